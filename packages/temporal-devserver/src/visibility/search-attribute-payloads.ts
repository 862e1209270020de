import { formatRfc3339, parseRfc3339 } from './datetime';
import { SearchAttributeError } from './errors';
import type { SearchAttributeRegistry } from './search-attributes';
import { isSystemSearchAttribute } from './system-attributes';
import type { SearchAttributeType } from './types';

/** A `temporal.api.common.v1.Payload` as protobufjs decodes it (absent fields may also come as null). */
export interface SearchAttributePayload {
  metadata?: Record<string, Uint8Array> | null | undefined;
  data?: Uint8Array | null | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const toUtf8 = new TextEncoder();

/**
 * Decodes `SearchAttributes.indexedFields` as Temporal's frontend validates them
 * (temporalio/temporal `common/searchattribute/validator.go` and `sadefs/encode_value.go`):
 * - every name must be registered (custom or predefined); system attributes cannot be set;
 * - values are JSON payloads; the registered type decides how they are read (an SDK's `metadata.type` is only a
 *   hint and never overrides it, as on Temporal's server);
 * - scalar types accept a one-element list (the legacy untyped SDK API always sends lists);
 * - `null`, a `binary/null` payload or an empty list means "unset": it is returned as `null`, which
 *   `applySearchAttributeUpsert` turns into a removal.
 *
 * Decoded values: Keyword/Text → string, Int/Double → number, Bool → boolean, KeywordList → string[],
 * Datetime → epoch milliseconds (microseconds kept as the fraction).
 */
export function decodeSearchAttributes(
  indexedFields: Record<string, SearchAttributePayload>,
  registry: SearchAttributeRegistry,
): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [name, payload] of Object.entries(indexedFields)) {
    if (isSystemSearchAttribute(name)) {
      throw new SearchAttributeError(`${name} attribute can't be set in SearchAttributes`);
    }
    const type = registry.typeOf(name);
    if (type === undefined) throw new SearchAttributeError(`search attribute ${name} is not defined`);
    decoded[name] = decodeValue(name, type, payload);
  }
  return decoded;
}

/** A payload this server writes: metadata and data always set. */
export interface EncodedSearchAttributePayload {
  metadata: Record<string, Uint8Array>;
  data: Uint8Array;
}

/** Encodes decoded values back into JSON payloads carrying `metadata.type`, as Temporal returns them. */
export function encodeSearchAttributes(
  values: Record<string, unknown>,
  registry: SearchAttributeRegistry,
): Record<string, EncodedSearchAttributePayload> {
  const encoded: Record<string, EncodedSearchAttributePayload> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    const type = registry.typeOf(name);
    if (type === undefined) continue; // removed from the registry since it was set: Temporal hides it too
    const json = type === 'Datetime' && typeof value === 'number' ? formatRfc3339(value) : value;
    encoded[name] = {
      metadata: { encoding: toUtf8.encode('json/plain'), type: toUtf8.encode(type) },
      data: toUtf8.encode(JSON.stringify(json)),
    };
  }
  return encoded;
}

/** Applies an upsert (decoded; `null` removes) to the current values, returning a new object. */
export function applySearchAttributeUpsert(
  current: Record<string, unknown>,
  update: Record<string, unknown>,
): Record<string, unknown> {
  const next = { ...current };
  for (const [name, value] of Object.entries(update)) {
    if (value === null || value === undefined) delete next[name];
    else next[name] = value;
  }
  return next;
}

function decodeValue(name: string, type: SearchAttributeType, payload: SearchAttributePayload): unknown {
  const encoding = readText(payload.metadata?.encoding);
  if (encoding === 'binary/null') return null;
  const invalid = (rendered: string, why?: string): SearchAttributeError =>
    new SearchAttributeError(
      `${rendered} is not a valid value for search attribute ${name} of type ${type}${why ? ` (${why})` : ''}`,
    );
  if (encoding !== 'json/plain') {
    throw invalid(`value from payload with encoding ${JSON.stringify(encoding ?? '')}`, 'expected json/plain');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readText(payload.data) ?? '');
  } catch {
    throw invalid('value from payload', 'data is not valid JSON');
  }
  if (raw === null) return null;
  if (Array.isArray(raw) && raw.length === 0) return null;

  if (type === 'KeywordList') {
    if (!Array.isArray(raw) || !raw.every((item) => typeof item === 'string')) throw invalid(renderGo(raw));
    return raw;
  }
  let scalar: unknown = raw;
  if (Array.isArray(raw)) {
    if (raw.length > 1) throw invalid(renderGo(raw), `list of values not allowed for type ${type}`);
    scalar = (raw as unknown[])[0];
  }
  const value = decodeScalar(type, scalar);
  if (value === undefined) throw invalid(renderGo(raw));
  return value;
}

function decodeScalar(type: Exclude<SearchAttributeType, 'KeywordList'>, value: unknown): unknown {
  switch (type) {
    case 'Keyword':
    case 'Text':
      return typeof value === 'string' ? value : undefined;
    case 'Int':
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
    case 'Double':
      return typeof value === 'number' ? value : undefined;
    case 'Bool':
      return typeof value === 'boolean' ? value : undefined;
    case 'Datetime':
      return typeof value === 'string' ? parseRfc3339(value) : undefined;
  }
}

function readText(bytes: Uint8Array | null | undefined): string | undefined {
  if (bytes === undefined || bytes === null) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Renders a JSON value the way Go's `%v` prints it in Temporal's messages: `abc`, `[a b]`, `map[…]`. */
function renderGo(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(renderGo).join(' ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
