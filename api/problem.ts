// RFC 9457 problem details: every error the API answers is `application/problem+json`.
import type { Response } from 'express';
import type { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type ProblemLocation = 'body' | 'path' | 'query' | 'header';

/** One bad field: where it is (`events[3].userId`) and what is wrong with it. */
export interface FieldError {
  in: ProblemLocation;
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error the client is told about as it is: status, a stable problem type and a detail. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    /** Short, stable slug, e.g. `validation`, `unknown-user`; becomes `urn:tact:problem:<slug>`. */
    readonly slug: string,
    detail: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  body(): ProblemBody {
    return {
      type: `urn:tact:problem:${this.slug}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      ...(this.extra.errors ? { errors: this.extra.errors } : {}),
    };
  }
}

export function sendProblem(res: Response, problem: HttpProblem): void {
  if (problem.extra.retryAfterSeconds !== undefined)
    res.setHeader('Retry-After', String(problem.extra.retryAfterSeconds));
  for (const [name, value] of Object.entries(problem.extra.headers ?? {})) res.setHeader(name, value);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body()));
}

/** `events[3].userId` from a zod issue path; the root is `(body)`. */
export function fieldName(path: readonly PropertyKey[], root: string): string {
  if (path.length === 0) return root;
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      const plain = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
      if (!plain) return `[${JSON.stringify(name)}]`;
      return index === 0 ? name : `.${name}`;
    })
    .join('');
}

export function fieldErrors(error: z.ZodError, location: ProblemLocation): FieldError[] {
  const root = location === 'body' ? '(body)' : `(${location})`;
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          in: location,
          field: fieldName([...issue.path, key], root),
          message: 'unknown field',
        }))
      : [{ in: location, field: fieldName(issue.path, root), message: issue.message }],
  );
}

export function validationProblem(errors: FieldError[]): HttpProblem {
  const fields = [...new Set(errors.map((e) => e.field))];
  return new HttpProblem(400, 'validation', `invalid request: ${fields.join(', ')}`, { errors });
}

export function temporalUnavailable(retryAfterSeconds: number): HttpProblem {
  return new HttpProblem(
    503,
    'temporal-unavailable',
    'the workflow service (Temporal) is unreachable; nothing was applied: retry with the same ids',
    { retryAfterSeconds },
  );
}
