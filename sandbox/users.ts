// The sandbox's users: a JSON file (each user's profile, contacts and what they and the backend do, at local times
// of the simulated days), or a cohort of the population simulator's users (their candidates and app opens).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { makeUser, userStreams } from '../simulator/population';
import { localParts } from '../domain/time';
import type { EpochMs, MinuteOfDay } from '../domain/types';
import { minuteOfDay } from '../domain/units';
import { present } from '../domain/present';

/** A local time on a simulated day: `d0 09:00` is 09:00 on the first day in the user's zone. */
const localTime = z.string().regex(/^d\d{1,3} ([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time such as "d0 09:00"');
export type LocalTime = z.output<typeof localTime>;

const properties = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

const input = z.union([
  z.strictObject({
    at: localTime,
    event: z.strictObject({
      id: z.string(),
      type: z.string(),
      properties: properties.optional(),
      occurred: localTime.optional(),
    }),
  }),
  z.strictObject({
    at: localTime,
    candidate: z.strictObject({
      id: z.string(),
      category: z.string(),
      template: z.string(),
      variables: properties.optional(),
      businessValue: z.number(),
      expires: localTime.optional(),
      ttl: z.string().optional(),
      notBefore: localTime.optional(),
    }),
  }),
  z.strictObject({ at: localTime, opened: z.string().describe('the notification (candidate) id') }),
  z.strictObject({ at: localTime, session: z.literal(true).describe('the user opened the app') }),
  z.strictObject({ at: localTime, preferences: z.record(z.string(), z.unknown()) }),
]);
export type SandboxInput = z.output<typeof input>;

const user = z.strictObject({
  id: z.string(),
  timeZone: z.string(),
  locale: z.string().default('en-US'),
  /** When the profile and contacts are registered; default d0 00:00. */
  joins: localTime.default('d0 00:00'),
  email: z.string().optional(),
  phone: z.string().optional(),
  /** A push device of this platform is registered. */
  push: z.enum(['ios', 'android', 'web']).optional(),
  inputs: z.array(input).default([]),
});
export type SandboxUser = z.output<typeof user>;

export const usersFile = z.strictObject({ users: z.array(user).min(1) });

/** `--users <file>` or `--users cohort:<count>[:<seed>]`. */
export function loadUsers(
  spec: string,
  days: number,
  dayStart: (timeZone: string, day: number) => EpochMs,
): SandboxUser[] {
  const cohort = /^cohort:(\d+)(?::(\d+))?$/.exec(spec);
  if (cohort) return simulatedCohort(Number(cohort[1]), Number(cohort[2] ?? 1), days, dayStart);
  const parsed = usersFile.safeParse(JSON.parse(readFileSync(spec, 'utf8')));
  if (!parsed.success) throw new Error(`${spec}: ${z.prettifyError(parsed.error)}`);
  return parsed.data.users;
}

/** The simulator's category names → a shipped template of the default catalog with the same purpose. */
const COHORT_TEMPLATES: Record<string, string> = {
  social: 'friend_joined',
  content: 'new_content',
  reminder: 'generic_activity',
  marketing: 'cart_abandoned',
  account: 'payment_failed',
};

/**
 * The population simulator's first `count` users (simulator/population.ts, same seed, same draws): their zones,
 * the candidates their backend proposes and their app opens, as sandbox inputs. Their opens of notifications are
 * not scripted (they depend on what the product sends): the sandbox shows what the product would send.
 */
function simulatedCohort(
  count: number,
  seed: number,
  days: number,
  dayStart: (timeZone: string, day: number) => EpochMs,
): SandboxUser[] {
  return Array.from({ length: count }, (_, index) => {
    const sim = makeUser(seed, index);
    const origin = dayStart(sim.timeZone, 0);
    const streams = userStreams(seed, sim, origin, days);
    const local = (at: EpochMs): LocalTime => localLabel(at, sim.timeZone, days, dayStart);
    const inputs: SandboxInput[] = [
      ...streams.candidates.map((c) => ({
        at: local(c.createdAt),
        candidate: {
          id: c.id,
          category: c.category,
          template: present(COHORT_TEMPLATES[c.category], `the cohort template of ${c.category}`),
          businessValue: Math.round(c.businessValue * 100) / 100,
        },
      })),
      ...streams.appOpens.map((at) => ({ at: local(at), session: true as const })),
    ];
    return {
      id: sim.id,
      timeZone: sim.timeZone,
      locale: 'en-US',
      joins: 'd0 00:00',
      email: `${sim.id}@example.org`,
      push: 'ios' as const,
      inputs: inputs.sort((a, b) => compareLocal(a.at, b.at)),
    };
  });
}

export function parseLocal(at: LocalTime): { day: number; minuteOfDay: MinuteOfDay } {
  const match = /^d(\d+) (\d\d):(\d\d)$/.exec(at);
  if (match === null) throw new Error(`local time must be "d<day> HH:MM", got "${at}"`);
  const [, day, hh, mm] = match;
  return { day: Number(day), minuteOfDay: minuteOfDay(Number(hh) * 60 + Number(mm)) };
}

function compareLocal(a: LocalTime, b: LocalTime): number {
  const x = parseLocal(a);
  const y = parseLocal(b);
  return x.day - y.day || x.minuteOfDay - y.minuteOfDay;
}

function localLabel(
  at: EpochMs,
  timeZone: string,
  days: number,
  dayStart: (timeZone: string, day: number) => EpochMs,
): LocalTime {
  let day = 0;
  while (day + 1 < days && dayStart(timeZone, day + 1) <= at) day++;
  const { minuteOfDay } = localParts(at, timeZone);
  const hh = String(Math.floor(minuteOfDay / 60)).padStart(2, '0');
  const mm = String(minuteOfDay % 60).padStart(2, '0');
  return `d${day} ${hh}:${mm}`;
}
