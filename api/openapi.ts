// The OpenAPI 3.1 document, generated from the same zod schemas the router validates with.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Operation } from './operation';
import { MAX_BATCH_EVENTS, problemResponse } from './schemas';
import { present } from '../domain/present';

type JsonSchema = Record<string, unknown>;

export interface OpenApiInfo {
  version: string;
  jsonBodyLimitBytes: number;
  batchBodyLimitBytes: number;
}

class SchemaConverter {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    delete json.$defs;
    delete json.$schema;
    // Local $defs names (`__schema0`) repeat across conversions: name each by its content instead.
    const names = new Map(
      Object.entries(defs).map(([local, def]) => [
        local,
        `Shared_${createHash('sha256').update(JSON.stringify(def)).digest('hex').slice(0, 10)}`,
      ]),
    );
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => {
          if (key === '$ref' && typeof item === 'string' && item.startsWith('#/$defs/')) {
            const local = item.slice('#/$defs/'.length);
            return [key, `#/components/schemas/${names.get(local) ?? local}`];
          }
          return [key, rewrite(item)];
        }),
      );
    };
    for (const [local, def] of Object.entries(defs))
      this.components[present(names.get(local), `the component name of ${local}`)] = rewrite(def) as JsonSchema;
    return rewrite(json) as JsonSchema;
  }
}

function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> {
  if (schema === undefined) return {};
  if (!(schema instanceof z.ZodObject)) throw new Error('path and query schemas must be zod objects');
  return schema.shape;
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

function problem(description: string, headers?: Record<string, unknown>) {
  return { description, content: { 'application/problem+json': { schema: PROBLEM_REF } }, ...(headers && { headers }) };
}

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } };

export function buildOpenApiDocument(operations: readonly Operation[], info: OpenApiInfo): JsonSchema {
  const converter = new SchemaConverter();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters = [
      ...Object.entries(objectShape(op.params)).map(([name, schema]) => ({
        name,
        in: 'path',
        required: true,
        ...(schema.description ? { description: schema.description } : {}),
        schema: converter.convert(schema, 'input'),
      })),
      ...Object.entries(objectShape(op.query)).map(([name, schema]) => ({
        name,
        in: 'query',
        required: !schema.safeParse(undefined).success,
        ...(schema.description ? { description: schema.description } : {}),
        schema: converter.convert(schema, 'input'),
      })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(op.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema || spec.contentType
          ? {
              content: {
                [spec.contentType ?? 'application/json']: spec.schema
                  ? { schema: converter.convert(spec.schema, 'output') }
                  : {},
              },
            }
          : {}),
      };
    }
    if (op.body || op.params || op.query) responses['400'] = problem('Invalid input: every bad field is named.');
    if (op.scope !== 'public') {
      responses['401'] = problem('No valid API key (`Authorization: Bearer <key>`).');
      responses['403'] = problem(`The key lacks the \`${op.scope}\` scope.`);
    }
    if (op.path.includes('{id}') || op.path.includes('{token}')) responses['404'] ??= problem('Unknown resource.');
    if (op.body) {
      const limit = op.bodyKind === 'batch' ? info.batchBodyLimitBytes : info.jsonBodyLimitBytes;
      responses['413'] = problem(`Body larger than ${limit} bytes.`);
      responses['415'] = problem('Body is not application/json.');
    }
    if (op.scope !== 'public' || op.path.startsWith('/v1/unsubscribe')) {
      responses['503'] ??= problem('Temporal or the database is unreachable; nothing was applied.', RETRY_AFTER);
    }
    const requestBody = op.body
      ? { required: true, content: { 'application/json': { schema: converter.convert(op.body, 'input') } } }
      : op.bodyKind === 'form'
        ? {
            required: false,
            content: {
              'application/x-www-form-urlencoded': {
                schema: { type: 'object', properties: { 'List-Unsubscribe': { const: 'One-Click' } } },
              },
              'multipart/form-data': {
                schema: { type: 'object', properties: { 'List-Unsubscribe': { const: 'One-Click' } } },
              },
            },
          }
        : undefined;
    const item = (paths[op.path] ??= {});
    item[op.method] = {
      operationId: op.operationId,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(op.scope === 'public' ? { security: [] } : { security: [{ bearer: [op.scope] }] }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }
  paths['/metrics'] = {
    get: {
      operationId: 'metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics',
      security: [],
      responses: { 200: { description: 'Prometheus text format.', content: { 'text/plain': {} } } },
    },
  };
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Tact API',
      version: info.version,
      description:
        'Tact decides, per user, whether, when, on which channel and with what words to notify them. ' +
        `Events are idempotent on their client id; batches take up to ${MAX_BATCH_EVENTS} events. ` +
        'Errors are RFC 9457 problem details (`application/problem+json`) naming every bad field.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key (`npm run keys -- create --scopes …`). Scopes: events:write, users:write, users:read, admin.',
        },
      },
      schemas: { Problem: converter.convert(problemResponse, 'output'), ...converter.components },
    },
  };
}
