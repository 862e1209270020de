// `cronSchedule` on StartWorkflowExecution, as Temporal's history service runs it (common/backoff/cron.go): the
// first run waits for the next cron time; when a run completes, fails or times out (and is not retried), the next
// run of the chain starts at the following cron time with the previous result or failure; terminate and cancel end
// the chain. Temporal parses these strings with robfig/cron's standard parser (5 fields, @every, @daily-style names,
// CRON_TZ=/TZ=, day-of-month OR day-of-week when both are restricted); the times come from the schedule calendar.
import { randomUUID } from 'node:crypto';
import type { Continuation, Execution } from '../execution';
import { enums, type Message, type Payloads } from '../proto';
import { successorBase } from '../workflow-retry';
import { CompiledCalendar, parseCalendar, parseGoDuration, SpecError, type CalendarStrings } from './calendar';
import { Zone } from './zone';

const PREDEFINED: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface CronSchedule {
  /** The first cron time strictly after `afterMs` (whole seconds), or undefined if there is none. */
  next(afterMs: number): number | undefined;
}

/** Parses a workflow cron schedule; throws SpecError when it is not a valid standard cron string. */
export function parseCronSchedule(input: string): CronSchedule {
  let c = input.trim();
  let timezone = '';
  if (c.startsWith('TZ=') || c.startsWith('CRON_TZ=')) {
    const space = c.indexOf(' ');
    if (space < 0) throw new SpecError('missing fields after the time zone');
    timezone = c.slice(c.indexOf('=') + 1, space);
    c = c.slice(space + 1).trim();
  }
  if (c.startsWith('@every ')) {
    const seconds = Math.max(Math.floor(parseGoDuration(c.slice('@every '.length).trim())), 1);
    return { next: (after) => Math.floor(after / 1000) * 1000 + seconds * 1000 };
  }
  c = PREDEFINED[c] ?? c;
  const fields = c.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new SpecError(`expected exactly 5 fields, found ${fields.length}: ${input}`);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields.map((f) => (f === '?' ? '*' : f)) as [
    string,
    string,
    string,
    string,
    string,
  ];
  const zone = Zone.load(timezone);
  const compile = (cal: CalendarStrings) => new CompiledCalendar(parseCalendar(cal), zone);
  const isStar = (f: string) => f.startsWith('*') && !/\/([2-9]|\d\d+)/.test(f);
  const base = { second: '0', minute, hour, month };
  // Standard cron: with both day fields restricted a day matches either of them.
  const calendars =
    isStar(dayOfMonth) || isStar(dayOfWeek)
      ? [compile({ ...base, dayOfMonth, dayOfWeek })]
      : [compile({ ...base, dayOfMonth, dayOfWeek: '*' }), compile({ ...base, dayOfMonth: '*', dayOfWeek })];
  return {
    next: (after) => {
      const times = calendars.map((cal) => cal.next(Math.floor(after / 1000))).filter((t) => t !== undefined);
      return times.length === 0 ? undefined : Math.min(...times) * 1000;
    },
  };
}

/** GetBackoffForNextSchedule: from the run's scheduled time, the first cron time not before now; whole seconds. */
export function cronBackoffMs(cron: string, scheduledMs: number, nowMs: number): number | undefined {
  const schedule = parseCronSchedule(cron);
  let next: number | undefined;
  if (nowMs < scheduledMs) next = scheduledMs;
  else {
    next = schedule.next(scheduledMs);
    while (next !== undefined && next < nowMs) next = schedule.next(next);
  }
  if (next === undefined) return undefined;
  return Math.ceil((next - nowMs) / 1000) * 1000;
}

/** The next run of a cron chain after this run closed with `outcome`, or undefined for a chain without cron. */
export function cronContinuation(
  exec: Execution,
  outcome: { result?: Payloads; failure?: Message },
): Continuation | undefined {
  const cron = exec.start.cronSchedule;
  if (!cron) return undefined;
  const backoffMs = cronBackoffMs(cron, exec.executionTime, exec.now());
  if (backoffMs === undefined) return undefined;
  return {
    newRunId: randomUUID(),
    start: {
      ...successorBase(exec),
      input: exec.start.input,
      header: exec.start.header,
      attempt: 1,
      initiator: enums.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE,
      ...(outcome.result ? { lastCompletionResult: outcome.result } : {}),
      ...(outcome.failure
        ? { continuedFailure: outcome.failure, lastCompletionResult: exec.start.lastCompletionResult }
        : {}),
      firstWorkflowTaskBackoffMs: backoffMs,
    },
  };
}
