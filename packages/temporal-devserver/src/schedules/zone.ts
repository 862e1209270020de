// A named time zone as Go's `time` package sees it, built on the IANA data Node ships (Intl). Schedule specs are
// computed with Go semantics (temporalio/temporal `service/worker/scheduler/calendar.go` runs on Go's time.Date),
// so `date` reproduces Go's choice for wall times that do not exist or exist twice around a DST change.
import { invalidArgument } from '../errors';

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(name: string): Intl.DateTimeFormat {
  let f = formatters.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(name, f);
  }
  return f;
}

export class Zone {
  private constructor(readonly name: string) {}

  /** '' and 'UTC' are UTC (Go's LoadLocation); an unknown name is an INVALID_ARGUMENT naming the field. */
  static load(name: string): Zone {
    const zoneName = name === '' || name === 'UTC' ? 'UTC' : name;
    try {
      formatter(zoneName);
    } catch {
      throw invalidArgument(`Invalid schedule spec: unknown time zone ${name}`);
    }
    return new Zone(zoneName);
  }

  /** Offset from UTC in seconds at an instant (unix seconds). */
  offsetAt(unix: number): number {
    if (this.name === 'UTC') return 0;
    const w = this.wallAt(unix);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) / 1000 - unix;
  }

  /** The wall clock in this zone at an instant (unix seconds). */
  wallAt(unix: number): WallTime {
    const d = new Date(unix * 1000);
    if (this.name === 'UTC') {
      return {
        year: d.getUTCFullYear(),
        month: d.getUTCMonth() + 1,
        day: d.getUTCDate(),
        hour: d.getUTCHours(),
        minute: d.getUTCMinutes(),
        second: d.getUTCSeconds(),
        weekday: d.getUTCDay(),
      };
    }
    const parts: Record<string, number> = {};
    for (const p of formatter(this.name).formatToParts(d)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const year = parts.year!;
    const month = parts.month!;
    const day = parts.day!;
    return {
      year,
      month,
      day,
      hour: parts.hour!,
      minute: parts.minute!,
      second: parts.second!,
      weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
    };
  }

  /**
   * Go's time.Date(y, mo, d, h, m, s, 0, loc) in unix seconds: fields out of range are normalised; the offset is the
   * one in effect at the wall time read as UTC, unless that instant falls outside that offset's period, in which
   * case the offset at the corrected instant is used (so a time in a skipped hour lands an hour off, and a repeated
   * hour resolves as Go resolves it).
   */
  date(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    const unix = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
    const offset = this.offsetAt(unix);
    if (offset === 0) return unix;
    const utc = unix - offset;
    const corrected = this.offsetAt(utc);
    return unix - (corrected === offset ? offset : corrected);
  }
}
