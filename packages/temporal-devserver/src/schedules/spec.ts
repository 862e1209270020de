// A schedule's spec compiled to "when is the next action after t": a port of temporalio/temporal
// `service/worker/scheduler/spec.go` (canonical form, start/end time, exclusions, intervals with phase, jitter).
import { fingerprint32 } from 'farmhash-modern';
import type { temporal } from '@temporalio/proto';
import { durationFromMs, msFromDuration, msFromTimestamp, type Decoded, type Duration } from '../proto';
import {
  cleanRanges,
  CompiledCalendar,
  MAX_CALENDAR_YEAR,
  parseCalendar,
  parseCronFields,
  SpecError,
  validateStructuredCalendar,
  type StructuredCalendar,
} from './calendar';
import { Zone } from './zone';

export interface IntervalSpecMessage {
  interval?: Duration | undefined;
  phase?: Duration | undefined;
}

export type ScheduleSpecMessage = Decoded<temporal.api.schedule.v1.IScheduleSpec>;

export interface NextTime {
  /** Matching time before jitter (ms). */
  nominal: number;
  /** With jitter added (ms). */
  next: number;
}

/**
 * spec.go canonicalizeSpec: calendar strings and cron strings become structured calendars (and intervals), a cron
 * string's time zone moves to the spec, everything is validated. Throws SpecError naming the problem.
 */
export function canonicalizeSpec(input: ScheduleSpecMessage): ScheduleSpecMessage {
  const spec: ScheduleSpecMessage = structuredClone(input);
  spec.structuredCalendar = [...(spec.structuredCalendar ?? [])];
  spec.interval = [...(spec.interval ?? [])];
  for (const cal of spec.calendar ?? []) spec.structuredCalendar.push(parseCalendar(cal));
  delete spec.calendar;
  spec.excludeStructuredCalendar = [...(spec.excludeStructuredCalendar ?? [])];
  for (const cal of spec.excludeCalendar ?? []) spec.excludeStructuredCalendar.push(parseCalendar(cal));
  delete spec.excludeCalendar;
  let cronTz: string | undefined;
  for (const cs of spec.cronString ?? []) {
    const parsed = parseCronFields(cs);
    if (cronTz !== undefined && parsed.timezone !== cronTz) throw new SpecError('conflicting timezone names');
    cronTz = parsed.timezone;
    if (parsed.calendar) spec.structuredCalendar.push(parseCalendar(parsed.calendar));
    if (parsed.interval)
      spec.interval.push({
        interval: durationFromMs(parsed.interval.interval * 1000),
        ...(parsed.interval.phase ? { phase: durationFromMs(parsed.interval.phase * 1000) } : {}),
      });
  }
  delete spec.cronString;
  if (cronTz) {
    if ((spec.timezoneName && spec.timezoneName !== cronTz) || spec.timezoneData?.length)
      throw new SpecError('conflicting timezone names');
    spec.timezoneName = cronTz;
  }
  for (const c of spec.structuredCalendar) validateStructuredCalendar(c);
  for (const iv of spec.interval) {
    const every = msFromDuration(iv.interval);
    const phase = msFromDuration(iv.phase);
    if (every < 1000) throw new SpecError('interval is too small');
    if (phase < 0) throw new SpecError('phase is negative');
    if (phase >= every) throw new SpecError('phase cannot be greater than Interval');
  }
  if (spec.structuredCalendar.length === 0) delete spec.structuredCalendar;
  if (spec.interval.length === 0) delete spec.interval;
  if (spec.excludeStructuredCalendar.length === 0) delete spec.excludeStructuredCalendar;
  return spec;
}

/** spec.go CleanSpec: the form DescribeSchedule and ListSchedules show (every range with end and step). */
export function cleanSpec(spec: ScheduleSpecMessage): ScheduleSpecMessage {
  const clean = (c: StructuredCalendar): StructuredCalendar => ({
    ...c,
    second: cleanRanges(c.second),
    minute: cleanRanges(c.minute),
    hour: cleanRanges(c.hour),
    dayOfMonth: cleanRanges(c.dayOfMonth),
    month: cleanRanges(c.month),
    year: cleanRanges(c.year),
    dayOfWeek: cleanRanges(c.dayOfWeek),
  });
  return {
    ...spec,
    structuredCalendar: spec.structuredCalendar?.map(clean),
    excludeStructuredCalendar: spec.excludeStructuredCalendar?.map(clean),
  };
}

export class CompiledSpec {
  private readonly calendars: CompiledCalendar[];
  private readonly excludes: CompiledCalendar[];
  private readonly intervals: { every: number; phase: number }[];
  private readonly startMs: number;
  private readonly endMs: number | undefined;
  private readonly jitterMs: number;

  /** `spec` must be canonical (see canonicalizeSpec). */
  constructor(readonly spec: ScheduleSpecMessage) {
    if (spec.timezoneData?.length)
      throw new SpecError('timezone_data is not supported by this server: give timezone_name instead');
    const tz = Zone.load(spec.timezoneName ?? '');
    this.calendars = (spec.structuredCalendar ?? []).map((c) => new CompiledCalendar(c, tz));
    this.excludes = (spec.excludeStructuredCalendar ?? []).map((c) => new CompiledCalendar(c, tz));
    this.intervals = (spec.interval ?? []).map((iv) => ({
      every: Math.max(Math.trunc(msFromDuration(iv.interval) / 1000), 1),
      phase: Math.max(Math.trunc(msFromDuration(iv.phase) / 1000), 0),
    }));
    this.startMs = msFromTimestamp(spec.startTime) ?? 0;
    this.endMs = msFromTimestamp(spec.endTime);
    this.jitterMs = msFromDuration(spec.jitter);
  }

  /** The next action time strictly after `afterMs`, or undefined when the spec has no more times. */
  nextTime(jitterSeed: string, afterMs: number): NextTime | undefined {
    let after = Math.max(afterMs, this.startMs - 1000);
    let nominal: number | undefined;
    do {
      nominal = this.rawNext(after);
      if (nominal === undefined || this.pastEnd(nominal)) return undefined;
      after = nominal;
    } while (this.excluded(nominal));
    let maxJitter = this.jitterMs;
    const following = this.rawNext(nominal);
    if (following !== undefined) maxJitter = Math.min(maxJitter, following - nominal);
    return { nominal, next: nominal + jitter(jitterSeed, nominal, maxJitter) };
  }

  private pastEnd(ms: number): boolean {
    return (this.endMs !== undefined && ms > this.endMs) || new Date(ms).getUTCFullYear() > MAX_CALENDAR_YEAR;
  }

  private excluded(ms: number): boolean {
    const unix = Math.floor(ms / 1000);
    return this.excludes.some((c) => c.matches(unix));
  }

  /** Earliest calendar or interval time after `afterMs` (whole seconds), without exclusions or jitter. */
  private rawNext(afterMs: number): number | undefined {
    const ts = Math.floor(afterMs / 1000);
    let min = Infinity;
    for (const cal of this.calendars) {
      const n = cal.next(ts);
      if (n !== undefined && n < min) min = n;
    }
    for (const { every, phase } of this.intervals) {
      const n = (Math.trunc((ts - phase) / every) + 1) * every + phase;
      if (n < min) min = n;
    }
    return min === Infinity ? undefined : min * 1000;
  }
}

/** Seconds from 0001-01-01 to 1970-01-01 UTC: Go's `time` counts from year 1. */
const GO_UNIX_TO_INTERNAL = 62_135_596_800n;

/**
 * A deterministic offset in [0, maxJitter) from the nominal time and the schedule's seed, as Temporal's `addJitter`
 * computes it: FarmHash Fingerprint32 of Go's `time.MarshalBinary` of the (UTC, whole-second) nominal time followed
 * by the seed, scaled to the bound in milliseconds.
 */
export function jitter(seed: string, nominalMs: number, maxJitterMs: number): number {
  const seedBytes = Buffer.from(seed, 'utf8');
  const bin = Buffer.alloc(15 + seedBytes.length);
  bin.writeUInt8(1, 0); // timeBinaryVersionV1
  bin.writeBigInt64BE(BigInt(Math.floor(nominalMs / 1000)) + GO_UNIX_TO_INTERNAL, 1);
  bin.writeInt32BE((nominalMs % 1000) * 1e6, 9);
  bin.writeInt16BE(-1, 13); // zone offset -1 marks UTC
  seedBytes.copy(bin, 15);
  const ms = BigInt(Math.min(Math.max(Math.trunc(maxJitterMs), 0), 0xffffffff));
  return Number((BigInt(fingerprint32(bin)) * ms) >> 32n);
}
