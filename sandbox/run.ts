// `npm run sandbox -- --catalog <dir> --users <file | cohort:N[:seed]> --days 7 [--start YYYY-MM-DD] [--policy JSON]`
// Runs the whole product (API, worker, real user workflows) on the bundled Temporal server's time-skipping clock
// and prints, per user, the days that would happen: each candidate's outcome and local time. README "Policy sandbox".
import { parseArgs } from 'node:util';
import { formatMinuteOfDay, localParts } from '../domain/time';
import type { EpochMs } from '../domain/types';
import { startSandbox } from './product';
import { loadUsers } from './users';
import { dayStartFor, playDays, type StartDate, type UserWeek } from './week';
import { minOf, minutes, NEVER, subMs } from '../domain/units';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function usage(problem: string): never {
  process.stderr.write(
    `${problem}\nusage: npm run sandbox -- --users <file | cohort:N[:seed]> [--catalog <dir or file>] [--days 7] [--start 2099-01-07] [--policy '{"dailyCap":2}']\n`,
  );
  process.exit(2);
}

/** "d2 Fri 07:00" in the user's zone, the day counted from the first simulated day. */
export function describeLocal(at: EpochMs, timeZone: string, dayStart: (tz: string, day: number) => EpochMs): string {
  let day = 0;
  while (dayStart(timeZone, day + 1) <= at) day++;
  const parts = localParts(at, timeZone);
  return `d${day} ${WEEKDAYS[parts.weekday]} ${formatMinuteOfDay(parts.minuteOfDay)}`;
}

export function formatWeek(week: UserWeek, dayStart: (tz: string, day: number) => EpochMs): string {
  const { user, outcomes } = week;
  const lines = outcomes.map((o) => {
    const when = o.at === null ? 'unplanned' : describeLocal(o.at, user.timeZone, dayStart);
    const what =
      o.outcome === 'sent'
        ? `sent ${o.channel ?? ''}`
        : o.outcome === 'suppressed'
          ? `suppressed ${o.reason ?? ''}`
          : o.at === null
            ? 'pending'
            : 'pending, planned';
    return `  ${when.padEnd(14)} ${o.candidateId.padEnd(24)} ${o.category.padEnd(12)} ${what}`;
  });
  const sent = outcomes.filter((o) => o.outcome === 'sent').length;
  return [`${user.id} (${user.timeZone}): ${outcomes.length} candidates, ${sent} sent`, ...lines].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      catalog: { type: 'string' },
      users: { type: 'string' },
      days: { type: 'string', default: '7' },
      start: { type: 'string', default: '2099-01-07' },
      policy: { type: 'string' },
    },
  });
  if (values.users === undefined) usage('--users is required');
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 90) usage('--days must be a whole number from 1 to 90');
  if (!/^\d{4}-\d\d-\d\d$/.test(values.start)) usage('--start must be a date such as 2099-01-07');
  const start = values.start as StartDate;
  const dayStart = dayStartFor(start);
  const users = loadUsers(values.users, days, dayStart);
  const startAt = subMs(
    users.reduce((first, u) => minOf(first, dayStart(u.timeZone, 0)), NEVER),
    minutes(1),
  );
  process.stderr.write(`sandbox: ${users.length} users, ${days} days from ${start}; starting the product…\n`);
  const sandbox = await startSandbox({
    startAt,
    ...(values.catalog === undefined ? {} : { catalog: values.catalog }),
    ...(values.policy === undefined ? {} : { policy: values.policy }),
  });
  try {
    const weeks = await playDays(sandbox, users, {
      start,
      days,
      onDay: (day) => process.stderr.write(`  day ${day + 1} of ${days}\n`),
    });
    for (const week of weeks) process.stdout.write(`${formatWeek(week, dayStart)}\n\n`);
  } finally {
    await sandbox.stop();
  }
}

if (require.main === module) {
  // The bundled offline server unless told otherwise (its time skipping is what the sandbox runs on).
  process.env.TEMPORAL_TEST_SERVER ??= 'bundled';
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
