// Access to Temporal's protobuf definitions (reflection root shipped with @temporalio/proto) and
// the small conversions the server needs. Messages are handled as plain objects: enums as numbers,
// int64 as numbers, bytes as Buffers.
import type { Root, Type } from 'protobufjs';
import { temporal, type google } from '@temporalio/proto';
import type Long from 'long';

export const root = require('@temporalio/proto/protos/json-module') as Root;
export const enums = temporal.api.enums.v1;

/** A decoded protobuf message whose shape this server does not inspect. */
export type Message = Record<string, unknown>;

/**
 * A message as this server handles it, derived from @temporalio/proto's types: decoded with `longs: Number` and
 * without defaults, so int64 fields are numbers and a field is absent rather than null.
 */
export type Decoded<T> = T extends Long
  ? number
  : T extends Uint8Array
    ? Uint8Array
    : T extends readonly (infer U)[]
      ? Decoded<U>[]
      : T extends object
        ? { [K in keyof T as FieldKey<T, K>]?: Decoded<NonNullable<T[K]>> | undefined } & {
            [K in keyof T as string extends K ? K : never]: Decoded<NonNullable<T[K]>>;
          }
        : T;
/** A message's named fields (not its methods, not a map's index signature). */
type FieldKey<T, K extends keyof T> = string extends K ? never : T[K] extends (...args: never[]) => unknown ? never : K;

export type Timestamp = Decoded<google.protobuf.ITimestamp>;
export type Duration = Decoded<google.protobuf.IDuration>;
export type Payload = Decoded<temporal.api.common.v1.IPayload>;
export type Payloads = Decoded<temporal.api.common.v1.IPayloads>;

export function lookupType(name: string): Type {
  return root.lookupType(name);
}

export function decodeMessage<T>(type: Type, bytes: Uint8Array): T {
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as T;
}

export function encodeMessage(type: Type, message: object): Buffer {
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}

export function timestampFromMs(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function msFromTimestamp(ts: Timestamp | null | undefined): number | undefined {
  if (!ts) return undefined;
  return Number(ts.seconds ?? 0) * 1000 + Math.floor(Number(ts.nanos ?? 0) / 1e6);
}

export const durationFromMs = timestampFromMs;

/** Duration in ms, 0 when unset (Temporal's "not set / unlimited"). */
export function msFromDuration(d: Duration | null | undefined): number {
  return msFromTimestamp(d) ?? 0;
}

/** A payload as Temporal's default data converter writes a value (`json/plain`). */
export function jsonPayload(value: unknown): Payload {
  return { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) };
}

/** Temporal stores "no value" for memo/search attributes as an empty, `null` or `[]` payload. */
export function isEmptyPayload(p: Payload | undefined): boolean {
  if (!p?.data || p.data.length === 0) return true;
  const text = Buffer.from(p.data).toString('utf8').trim();
  return text === 'null' || text === '[]';
}
