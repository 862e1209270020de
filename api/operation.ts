// One API operation, declared once: the router validates with these schemas and the OpenAPI
// document is generated from them, so the two cannot drift.
import type { Request } from 'express';
import type { z } from 'zod';
import type { ApiKeyScope, VerifiedApiKey } from '../db/api-keys';
import type { EpochMs } from '../domain/types';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/**
 * `json`: application/json within the default limit; `batch`: the larger batch limit; `form`: RFC 8058 one-click,
 * any media type (urlencoded or multipart), read and ignored.
 */
export type BodyKind = 'json' | 'batch' | 'form';

export interface Reply {
  status: number;
  body?: unknown;
  /** Default application/json. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface OperationContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller's key; null for public operations. */
  key: VerifiedApiKey | null;
  now: EpochMs;
  req: Request;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

export interface Operation {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/users/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** `public`: no key needed. */
  scope: ApiKeyScope | 'public';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  bodyKind?: BodyKind;
  responses: Record<number, ResponseSpec>;
  handle(ctx: OperationContext<unknown, unknown, unknown>): Promise<Reply>;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface OperationDefinition<P, Q, B> extends Omit<Operation, 'params' | 'query' | 'body' | 'handle'> {
  params?: P;
  query?: Q;
  body?: B;
  handle(ctx: OperationContext<Out<P>, Out<Q>, Out<B>>): Promise<Reply>;
}

/** Types the handler's context from the schemas it declares. */
export function operation<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(definition: OperationDefinition<P, Q, B>): Operation {
  return definition as unknown as Operation;
}

/** `/v1/users/{id}` → `/v1/users/:id`; a literal `:` (as in `events:batch`) is escaped for path-to-regexp. */
export function expressPath(openApiPath: string): string {
  return openApiPath.replace(/:/g, '\\:').replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}
