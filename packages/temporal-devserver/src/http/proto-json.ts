// Proto3 JSON as Temporal's server writes and reads it (Go's protojson through go.temporal.io/api/temporalproto):
// lowerCamelCase names, fields without presence omitted at their zero value, 64-bit integers as strings, enums by
// name, bytes as standard base64, the well-known types in their JSON forms, map keys sorted, and, when enabled, the
// payload shorthand (a `json/plain` payload as its JSON value, `binary/null` as null, `json/protobuf` with
// `_protoMessageType`). protobufjs's own toJSON knows none of the well-known types and keeps zero values, hence this
// walk over the reflection types.
import Long from 'long';
import type { Enum, Field, MapField, ReflectionObject, Type } from 'protobufjs';
import { root } from '../proto';

export interface ProtoJsonOptions {
  /** Temporal's payload shorthand (its HTTP API's default; the UI server does not use it). */
  payloadShorthand: boolean;
}

export class ProtoJsonError extends Error {}

const PAYLOAD = 'temporal.api.common.v1.Payload';
const PAYLOADS = 'temporal.api.common.v1.Payloads';
const MESSAGE_TYPE_KEY = '_protoMessageType';
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map(
    (w) => `google.protobuf.${w}Value`,
  ),
);

type Decoded = Record<string, unknown>;

// Every field's resolvedType is read below: resolved once, on first use (not at import, which the launcher's
// readiness deadline pays for).
let resolved = false;
function resolveTypes(): void {
  if (resolved) return;
  root.resolveAll();
  resolved = true;
}

// @temporalio/proto's reflection objects come from its own protobufjs copy: told apart by shape, not by class.
export function isType(t: ReflectionObject | null): t is Type {
  return t !== null && 'fieldsArray' in t;
}
function isEnum(t: ReflectionObject | null): t is Enum {
  return t !== null && 'valuesById' in t;
}

function fullName(type: Type | Enum): string {
  return type.fullName.replace(/^\./, '');
}

/** Whether a field is written at its zero value (proto3 `optional`, oneof members, messages). */
function hasPresence(field: Field): boolean {
  return field.partOf !== null || isType(field.resolvedType);
}

// ---------------------------------------------------------------------------------------------- to JSON

/** A message decoded by protobufjs (`type.decode`) as proto3 JSON. */
export function toProtoJson(type: Type, message: Decoded, opts: ProtoJsonOptions): unknown {
  resolveTypes();
  const special = wellKnownToJson(type, message, opts);
  if (special !== NOT_SPECIAL) return special;
  if (opts.payloadShorthand) {
    const name = fullName(type);
    if (name === PAYLOAD) {
      const short = payloadShorthand(message);
      if (short !== NOT_SPECIAL) return short;
    } else if (name === PAYLOADS) {
      const items = ((message.payloads as Decoded[] | undefined) ?? []).map(payloadShorthand);
      if (!items.includes(NOT_SPECIAL)) return items;
    }
  }
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(message, field.name)) continue;
    const value = message[field.name];
    if (value === null || value === undefined) continue;
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      entries.sort(([a], [b]) => compareMapKeys((field as unknown as MapField).keyType, a, b));
      out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, valueToJson(field, v, opts)]));
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length === 0) continue;
      out[field.name] = list.map((v) => valueToJson(field, v, opts));
    } else {
      if (!hasPresence(field) && isZero(field, value)) continue;
      out[field.name] = valueToJson(field, value, opts);
    }
  }
  return out;
}

function compareMapKeys(keyType: string, a: string, b: string): number {
  if (keyType === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (keyType === 'bool') return a === b ? 0 : a === 'false' ? -1 : 1;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function isZero(field: Field, value: unknown): boolean {
  if (isEnum(field.resolvedType)) return value === 0;
  if (Long.isLong(value)) return value.isZero();
  if (value instanceof Uint8Array) return value.length === 0;
  return value === 0 || value === '' || value === false;
}

function valueToJson(field: Field, value: unknown, opts: ProtoJsonOptions): unknown {
  const resolved = field.resolvedType;
  if (isType(resolved)) return toProtoJson(resolved, value as Decoded, opts);
  if (isEnum(resolved)) {
    if (fullName(resolved) === 'google.protobuf.NullValue') return null;
    return resolved.valuesById[value as number] ?? value;
  }
  return scalarToJson(field.type, value);
}

function scalarToJson(type: string, value: unknown): unknown {
  if (LONG_TYPES.has(type)) return Long.isLong(value) ? value.toString() : String(value);
  if (type === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (type === 'float' || type === 'double') {
    const n = value as number;
    if (Number.isNaN(n)) return 'NaN';
    if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
    return type === 'float' ? shortestFloat32(n) : n;
  }
  return value;
}

/** Go prints a float32 with the fewest digits that read back as the same float32. */
function shortestFloat32(n: number): number {
  const target = Math.fround(n);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(n.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return n;
}

const NOT_SPECIAL = Symbol('not special');

function wellKnownToJson(type: Type, message: Decoded, opts: ProtoJsonOptions): unknown {
  const name = fullName(type);
  switch (name) {
    case 'google.protobuf.Timestamp':
      return formatTimestamp(longToNumber(message.seconds), Number(message.nanos ?? 0));
    case 'google.protobuf.Duration':
      return formatDuration(longToBigInt(message.seconds), Number(message.nanos ?? 0));
    case 'google.protobuf.Empty':
      return {};
    case 'google.protobuf.FieldMask':
      return ((message.paths as string[] | undefined) ?? []).map(snakeToCamel).join(',');
    case 'google.protobuf.Struct':
      return Object.fromEntries(
        Object.entries((message.fields as Record<string, Decoded> | undefined) ?? {}).map(([k, v]) => [
          k,
          wellKnownToJson(type.lookupType('.google.protobuf.Value'), v, opts),
        ]),
      );
    case 'google.protobuf.ListValue':
      return ((message.values as Decoded[] | undefined) ?? []).map((v) =>
        wellKnownToJson(type.lookupType('.google.protobuf.Value'), v, opts),
      );
    case 'google.protobuf.Value': {
      const valueType = type;
      if ('nullValue' in message && message.nullValue !== undefined) return null;
      if (message.numberValue !== undefined) return message.numberValue;
      if (message.stringValue !== undefined) return message.stringValue;
      if (message.boolValue !== undefined) return message.boolValue;
      if (message.structValue !== undefined)
        return wellKnownToJson(valueType.lookupType('.google.protobuf.Struct'), message.structValue as Decoded, opts);
      if (message.listValue !== undefined)
        return wellKnownToJson(valueType.lookupType('.google.protobuf.ListValue'), message.listValue as Decoded, opts);
      return null;
    }
    case 'google.protobuf.Any': {
      const url = message.type_url ?? message.typeUrl;
      const typeUrl = typeof url === 'string' ? url : '';
      const inner = root.lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
      const decoded = inner.decode((message.value as Uint8Array | undefined) ?? new Uint8Array()) as unknown as Decoded;
      const json = toProtoJson(inner, decoded, opts);
      const isObject = json !== null && typeof json === 'object' && !Array.isArray(json);
      return isObject && wellKnownToJson(inner, decoded, opts) === NOT_SPECIAL
        ? { '@type': typeUrl, ...json }
        : { '@type': typeUrl, value: json };
    }
    default:
      if (WRAPPERS.has(name)) {
        const field = type.fields.value!;
        return scalarToJson(field.type, message.value ?? (field.type === 'bytes' ? new Uint8Array() : zeroOf(field)));
      }
      return NOT_SPECIAL;
  }
}

function zeroOf(field: Field): unknown {
  if (LONG_TYPES.has(field.type)) return Long.ZERO;
  if (field.type === 'bool') return false;
  if (field.type === 'string') return '';
  return 0;
}

function payloadShorthand(payload: Decoded): unknown {
  const metadata = (payload.metadata as Record<string, Uint8Array> | undefined) ?? {};
  const encoding = metadata.encoding ? Buffer.from(metadata.encoding).toString('utf8') : '';
  const data = payload.data ? Buffer.from(payload.data as Uint8Array).toString('utf8') : '';
  switch (encoding) {
    case 'binary/null':
      return null;
    case 'json/plain':
      if (Object.keys(metadata).length !== 1) return NOT_SPECIAL;
      return JSON.parse(data) as unknown;
    case 'json/protobuf': {
      const messageType = metadata.messageType ? Buffer.from(metadata.messageType).toString('utf8') : '';
      if (!messageType || Object.keys(metadata).length !== 2) return NOT_SPECIAL;
      const value = JSON.parse(data) as Record<string, unknown> | null;
      return value === null ? null : { ...value, [MESSAGE_TYPE_KEY]: messageType };
    }
    default:
      return NOT_SPECIAL;
  }
}

function longToNumber(v: unknown): number {
  if (Long.isLong(v)) return v.toNumber();
  return Number(v ?? 0);
}
function longToBigInt(v: unknown): bigint {
  if (Long.isLong(v)) return BigInt(v.toString());
  return BigInt(Math.trunc(Number(v ?? 0)));
}

/** RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protojson writes a Timestamp. */
export function formatTimestamp(seconds: number, nanos: number): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${base}${fraction(nanos)}Z`;
}

export function formatDuration(seconds: bigint, nanos: number): string {
  const negative = seconds < 0n || nanos < 0;
  const s = seconds < 0n ? -seconds : seconds;
  return `${negative ? '-' : ''}${s}${fraction(Math.abs(nanos))}s`;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

function snakeToCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

// ---------------------------------------------------------------------------------------------- from JSON

/** Proto3 JSON (names in lowerCamelCase or as in the .proto) as an object for protobufjs's `fromObject`. */
export function fromProtoJson(type: Type, json: unknown, opts: ProtoJsonOptions, path = ''): Decoded {
  resolveTypes();
  const special = wellKnownFromJson(type, json, opts, path);
  if (special !== NOT_SPECIAL) return special as Decoded;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ProtoJsonError(`${path || 'request'}: expected an object for ${fullName(type)}`);
  }
  const out: Decoded = {};
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByJsonName(type, key);
    if (!field) throw new ProtoJsonError(`unknown field "${key}" in ${fullName(type)}`);
    if (value === null && !isNullValueField(field)) continue;
    out[field.name] = fieldFromJson(field, value, opts, path ? `${path}.${key}` : key);
  }
  return out;
}

export function fieldByJsonName(type: Type, key: string): Field | undefined {
  return type.fields[key] ?? type.fields[snakeToCamel(key)];
}

function isNullValueField(field: Field): boolean {
  return field.resolvedType?.fullName === '.google.protobuf.Value';
}

function fieldFromJson(field: Field, value: unknown, opts: ProtoJsonOptions, path: string): unknown {
  if (field.map) {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ProtoJsonError(`${path}: expected an object`);
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, singleFromJson(field, v, opts, `${path}.${k}`)]),
    );
  }
  if (field.repeated) {
    if (!Array.isArray(value)) throw new ProtoJsonError(`${path}: expected an array`);
    return value.map((v, i) => singleFromJson(field, v, opts, `${path}[${i}]`));
  }
  return singleFromJson(field, value, opts, path);
}

/** One value of a field, from JSON or from a URL (path and query parameters arrive as strings). */
export function singleFromJson(field: Field, value: unknown, opts: ProtoJsonOptions, path: string): unknown {
  resolveTypes();
  const resolved = field.resolvedType;
  if (isType(resolved)) return fromProtoJson(resolved, value, opts, path);
  if (isEnum(resolved)) return enumFromJson(resolved, value, path);
  return scalarFromJson(field.type, value, path);
}

function enumFromJson(type: Enum, value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    if (/^-?\d+$/.test(value)) return Number(value);
    if (type.values[value] !== undefined) return type.values[value];
    // Temporal also accepts the short form of its enums ("Running" for WORKFLOW_EXECUTION_STATUS_RUNNING).
    const names = Object.keys(type.values);
    const prefix = names.find((n) => n.endsWith('_UNSPECIFIED'))?.replace(/UNSPECIFIED$/, '') ?? '';
    const screaming = prefix + value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
    if (type.values[screaming] !== undefined) return type.values[screaming];
  }
  throw new ProtoJsonError(`${path}: invalid value for enum ${fullName(type)}: ${JSON.stringify(value)}`);
}

function scalarFromJson(type: string, value: unknown, path: string): unknown {
  const bad = () => new ProtoJsonError(`${path}: invalid value for ${type}: ${JSON.stringify(value)}`);
  if (type === 'string') {
    if (typeof value !== 'string') throw bad();
    return value;
  }
  if (type === 'bool') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw bad();
  }
  if (type === 'bytes') {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*=*$/.test(value)) throw bad();
    return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  if (type === 'float' || type === 'double') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
    if (Number.isNaN(n)) throw bad();
    return n;
  }
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
  if (text === undefined || !/^-?\d+$/.test(text)) throw bad();
  if (LONG_TYPES.has(type)) return Long.fromString(text, type.startsWith('u') || type === 'fixed64');
  if (INT_TYPES.has(type)) return Number(text);
  throw bad();
}

function wellKnownFromJson(type: Type, json: unknown, opts: ProtoJsonOptions, path: string): unknown {
  const name = fullName(type);
  switch (name) {
    case 'google.protobuf.Timestamp':
      return parseTimestamp(json, path);
    case 'google.protobuf.Duration':
      return parseDuration(json, path);
    case 'google.protobuf.FieldMask':
      if (typeof json !== 'string') throw new ProtoJsonError(`${path}: expected a field mask string`);
      return { paths: json ? json.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)) : [] };
    case 'google.protobuf.Empty':
      return {};
    case PAYLOAD:
      if (opts.payloadShorthand) return payloadFromShorthand(type, json, opts, path);
      return NOT_SPECIAL;
    case PAYLOADS:
      if (opts.payloadShorthand && (json === null || Array.isArray(json))) {
        const payload = root.lookupType(PAYLOAD);
        return {
          payloads: ((json as unknown[] | null) ?? []).map((p, i) =>
            payloadFromShorthand(payload, p, opts, `${path}[${i}]`),
          ),
        };
      }
      return NOT_SPECIAL;
    default:
      if (WRAPPERS.has(name)) return { value: scalarFromJson(type.fields.value!.type, json, path) };
      return NOT_SPECIAL;
  }
}

function payloadFromShorthand(type: Type, json: unknown, opts: ProtoJsonOptions, path: string): Decoded {
  const encoding = (e: string) => ({ encoding: Buffer.from(e) });
  if (json === null) return { metadata: encoding('binary/null') };
  if (typeof json === 'object' && !Array.isArray(json)) {
    const obj = json as Record<string, unknown>;
    const keys = Object.keys(obj);
    const looksLong =
      keys.includes('metadata') &&
      keys.every((k) => k === 'metadata' || k === 'data') &&
      typeof obj.metadata === 'object' &&
      obj.metadata !== null &&
      'encoding' in obj.metadata;
    if (looksLong) {
      try {
        return fromProtoJson(type, json, { ...opts, payloadShorthand: false }, path);
      } catch {
        // not a long-form payload after all: shorthand below
      }
    }
    if (MESSAGE_TYPE_KEY in obj) {
      const { [MESSAGE_TYPE_KEY]: messageType, ...rest } = obj;
      if (typeof messageType !== 'string') throw new ProtoJsonError(`${path}: ${MESSAGE_TYPE_KEY} must be a string`);
      return {
        metadata: { ...encoding('json/protobuf'), messageType: Buffer.from(messageType) },
        data: Buffer.from(JSON.stringify(rest)),
      };
    }
  }
  return { metadata: encoding('json/plain'), data: Buffer.from(JSON.stringify(json)) };
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function parseTimestamp(json: unknown, path: string): Decoded {
  const m = typeof json === 'string' ? TIMESTAMP.exec(json) : null;
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new ProtoJsonError(`${path}: invalid timestamp ${JSON.stringify(json)}`);
  return { seconds: Long.fromNumber(ms / 1000), nanos: Number((m[2] ?? '.').slice(1).padEnd(9, '0')) };
}

function parseDuration(json: unknown, path: string): Decoded {
  const m = typeof json === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(json) : null;
  if (!m) throw new ProtoJsonError(`${path}: invalid duration ${JSON.stringify(json)}`);
  const sign = m[1] ? -1 : 1;
  return {
    seconds: Long.fromString(`${m[1] ?? ''}${m[2]}`),
    nanos: sign * Number((m[3] ?? '').padEnd(9, '0')),
  };
}
