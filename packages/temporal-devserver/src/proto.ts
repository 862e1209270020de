// Access to Temporal's protobuf definitions (reflection root shipped with @temporalio/proto) and
// the small conversions the server needs. Messages are handled as plain objects: enums as numbers,
// int64 as numbers, bytes as Buffers.
import type { Root, Type } from 'protobufjs';
import { temporal } from '@temporalio/proto';

export const root = require('@temporalio/proto/protos/json-module') as Root;
export const enums = temporal.api.enums.v1;

/** A decoded protobuf message whose shape this server does not inspect. */
export type Message = Record<string, unknown>;

export interface Timestamp {
  seconds?: number | undefined;
  nanos?: number | undefined;
}
export type Duration = Timestamp;

export interface Payload {
  metadata?: Record<string, Uint8Array> | undefined;
  data?: Uint8Array | undefined;
}
export interface Payloads {
  payloads?: Payload[] | undefined;
}

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
