// What the JSON body parsers refuse instead of silently changing: bytes that are not UTF-8 (which a decoder would
// turn into U+FFFD) and keys that reach an object's prototype machinery (`__proto__`, `constructor`, `prototype`)
// anywhere in the document.
import { isUtf8 } from 'node:buffer';

export class RejectedJsonError extends Error {
  override name = 'RejectedJsonError';
  // A private field: body-parser deletes an error's own properties (other than message and stack) before passing it on.
  readonly #field: string;
  constructor(field: string, message: string) {
    super(message);
    this.#field = field;
  }
  get field(): string {
    return this.#field;
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** body-parser `verify`: runs on the raw bytes before they are decoded. */
export function verifyUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw new RejectedJsonError('(body)', 'the body is not valid UTF-8');
}

/** body-parser `reviver`: refuses prototype-related keys at any depth. */
export function refuseForbiddenKeys(this: unknown, key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new RejectedJsonError(key, `the key "${key}" is not allowed anywhere in a body`);
  return value;
}

export const guardedJsonOptions = { verify: verifyUtf8, reviver: refuseForbiddenKeys } as const;

/** The RejectedJsonError inside a body-parser error, if that is what it is. */
export function rejectedJson(error: unknown): RejectedJsonError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth += 1) {
    if (current instanceof RejectedJsonError) return current;
    current = current.cause;
  }
  return undefined;
}
