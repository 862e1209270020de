// Property tests of the policy: random users, time zones (DST-switching, half-hour DST, UTC+13, UTC-11),
// preferences and event streams, driven through time by the planner; the oracle checks every send.
import { categoryPolicy } from '../../domain/config';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, withOverrides } from '../../domain/config';
import { plan } from '../../domain/planner';
import type { PlannerState } from '../../domain/planner';
import { CHANNELS } from '../../domain/types';
import type { Candidate, Category, Preferences, SendRecord, EpochMs } from '../../domain/types';
import { minuteOfDay, probability, hours, minutes, days, epochMs, addMs, durationMs, subMs } from '../../domain/units';
import { simulate } from './simulator';
import type { Scenario, SimEvent, SimResult } from './simulator';
import { utc } from '../support/instants';
import { nth, present } from '../../domain/present';

const CATEGORIES = Object.keys(DEFAULT_POLICY.categories);

const MIN = minutes(1);
const HOUR = hours(1);
const DAY = days(1);

const ZONES = [
  'Europe/Paris',
  'America/New_York',
  'Australia/Lord_Howe',
  'Pacific/Tongatapu',
  'Pacific/Pago_Pago',
  'Asia/Kolkata',
  'America/Sao_Paulo',
  'UTC',
];

// Days around which clocks change in the zones above (EU, US, Lord Howe both ways).
const DST_SWITCHES = [
  utc(2024, 2, 31),
  utc(2024, 9, 27),
  utc(2024, 2, 10),
  utc(2024, 10, 3),
  utc(2024, 3, 7),
  utc(2024, 9, 6),
  utc(2025, 2, 30),
  utc(2025, 10, 2),
];

const startArb = fc
  .oneof(
    fc.integer({ min: utc(2024, 0, 1), max: utc(2026, 0, 1) }),
    fc.constantFrom(...DST_SWITCHES).chain((t) => fc.integer({ min: t - 3 * DAY, max: t })),
  )
  .map(epochMs);

const minuteOfDayArb = fc.integer({ min: 0, max: 1439 }).map(minuteOfDay);

const prefsArb: fc.Arbitrary<Preferences> = fc.record({
  globalOptOut: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  optedOutCategories: fc.subarray([...CATEGORIES], { maxLength: 2 }),
  optedOutChannels: fc.subarray([...CHANNELS], { maxLength: 2 }),
  quietHours: sometimes(0.4, fc.record({ start: minuteOfDayArb, end: minuteOfDayArb })),
  nightDelivery: fc.boolean(),
  privacyMode: fc.boolean(),
});

/** Mostly permissive preferences, so that sends (and their rules) actually get exercised. */
const mostlyOpenPrefsArb: fc.Arbitrary<Preferences> = fc.oneof(
  {
    weight: 3,
    arbitrary: prefsArb.map((p) => ({
      ...p,
      globalOptOut: false,
      optedOutCategories: p.optedOutCategories.slice(0, 1),
    })),
  },
  { weight: 1, arbitrary: prefsArb },
);

interface RawArrival {
  offset: number;
  category: Category;
  businessValue: number;
  ttl: number | null;
  notBefore: number | null;
  dedupe: number | null;
  expectedValue: number;
  bestIn: number;
  replayOf: number | null;
}

/** Uniform in 0..max by thousandths (fc.double leans hard toward tiny values). */
function fraction(max: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: Math.round(max * 1000) }).map((n) => n / 1000);
}

/** `value` with probability `p`, else null. */
function sometimes<T>(p: number, value: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  const scale = 100;
  return fc.oneof(
    { weight: Math.round(p * scale), arbitrary: value },
    { weight: Math.round((1 - p) * scale), arbitrary: fc.constant(null) },
  );
}

const arrivalArb: fc.Arbitrary<RawArrival> = fc.record({
  offset: fc.integer({ min: 0, max: 5 * DAY }),
  category: fc.constantFrom(...CATEGORIES),
  businessValue: fc.oneof(fraction(1), fc.constantFrom(0.8, 0.9, 1)),
  ttl: sometimes(0.3, fc.integer({ min: 5 * MIN, max: 3 * DAY })),
  notBefore: sometimes(0.2, fc.integer({ min: 0, max: 12 * HOUR })),
  dedupe: sometimes(0.3, fc.integer({ min: 0, max: 7 })),
  expectedValue: fc.oneof({ weight: 4, arbitrary: fraction(0.6) }, { weight: 1, arbitrary: fc.constant(0.005) }),
  bestIn: fc.integer({ min: 0, max: DAY }),
  replayOf: sometimes(0.08, fc.nat(40)),
});

type RawOther =
  | { kind: 'preferences'; offset: number; preferences: Preferences }
  | { kind: 'timeZone'; offset: number; timeZone: string }
  | { kind: 'notificationOpen' | 'appOpen'; offset: number };

const offsetArb = fc.integer({ min: 0, max: 5 * DAY });
const otherArb: fc.Arbitrary<RawOther> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('preferences' as const),
      offset: offsetArb,
      preferences: mostlyOpenPrefsArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('timeZone' as const),
      offset: offsetArb,
      timeZone: fc.constantFrom(...ZONES),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constantFrom('notificationOpen' as const, 'appOpen' as const), offset: offsetArb }),
  },
);

const priorSendArb = fc.record({
  ago: fc.integer({ min: 1, max: 9 * DAY }),
  category: fc.constantFrom(...CATEGORIES),
  opened: fc.boolean(),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    preferences: mostlyOpenPrefsArb,
    start: startArb,
    userAge: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 20 * DAY }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 120 * DAY }) },
    ),
    engagedAgo: fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 10 * DAY }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 60 * DAY }) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    prior: fc.array(priorSendArb, { maxLength: 14 }),
    arrivals: fc.array(arrivalArb, { minLength: 1, maxLength: 40 }),
    others: fc.array(otherArb, { maxLength: 12 }),
  })
  .map((raw): Scenario => {
    const priorSends: SendRecord[] = raw.prior
      .map((p, i) => ({
        candidateId: `prior-${i}`,
        category: p.category,
        channel: nth(categoryPolicy(DEFAULT_POLICY, p.category).channels, 0),
        at: subMs(raw.start, durationMs(p.ago)),
        ...(p.opened ? { openedAt: addMs(subMs(raw.start, durationMs(p.ago)), MIN) } : {}),
      }))
      .sort((a, b) => a.at - b.at);
    const candidates: Candidate[] = [];
    const events: SimEvent[] = raw.arrivals.map((a, i) => {
      const at = addMs(raw.start, durationMs(a.offset));
      const replayed = a.replayOf === null ? undefined : candidates[a.replayOf % Math.max(1, candidates.length)];
      const candidate: Candidate = replayed ?? {
        id: `c${i}`,
        userId: 'user-1',
        category: a.category,
        template: `${a.category}.t`,
        variables: {},
        createdAt: at,
        expiresAt: addMs(at, a.ttl === null ? categoryPolicy(DEFAULT_POLICY, a.category).ttlMs : durationMs(a.ttl)),
        businessValue: probability(a.businessValue),
        source: 'event',
        ...(a.notBefore === null ? {} : { notBefore: addMs(at, durationMs(a.notBefore)) }),
        ...(a.dedupe === null ? {} : { dedupeKey: `k${a.dedupe}` }),
      };
      candidates.push(candidate);
      return {
        kind: 'candidate',
        at,
        candidate,
        score: { expectedValue: probability(a.expectedValue), bestSendAt: addMs(at, durationMs(a.bestIn)) },
      };
    });
    for (const o of raw.others) {
      const at = addMs(raw.start, durationMs(o.offset));
      if (o.kind === 'preferences') events.push({ kind: 'preferences', at, preferences: o.preferences });
      else if (o.kind === 'timeZone') events.push({ kind: 'timeZone', at, timeZone: o.timeZone });
      else events.push({ kind: o.kind, at });
    }
    events.sort((a, b) => a.at - b.at);
    return {
      timeZone: raw.timeZone,
      preferences: raw.preferences,
      start: raw.start,
      userSince: subMs(raw.start, durationMs(raw.userAge)),
      ...(raw.engagedAgo === null ? {} : { lastEngagementAt: subMs(raw.start, durationMs(raw.engagedAgo)) }),
      priorSends,
      events,
    };
  });

/** Random deployments: tighter or looser caps, cooldowns and windows than the defaults. */
const configArb = fc
  .record({
    dailyCap: fc.integer({ min: 0, max: 6 }),
    lowResponderDailyCap: fc.integer({ min: 0, max: 2 }),
    lowResponderWindow: fc.integer({ min: 1, max: 10 }),
    dormantAfterMs: fc.integer({ min: 1, max: 30 }).map((d) => d * DAY),
    dormantWeeklyCap: fc.integer({ min: 0, max: 3 }),
    cooldownMs: fc.constantFrom(0, 30 * MIN, HOUR, 4 * HOUR, 9 * HOUR),
    socialCap: fc.integer({ min: 0, max: 9 }),
    marketingCap: fc.integer({ min: 0, max: 3 }),
    defaultQuietHours: fc.record({ start: minuteOfDayArb, end: minuteOfDayArb }),
  })
  .map(({ socialCap, marketingCap, ...rest }) =>
    withOverrides(DEFAULT_POLICY, {
      ...rest,
      categories: { social: { weeklyCap: socialCap }, marketing: { weeklyCap: marketingCap } },
    }),
  );

const RUNS = { numRuns: 150 };

function expectNoProblems(result: SimResult): void {
  expect(result.problems).toEqual([]);
}

describe('policy properties over simulated users', () => {
  it('every send obeys quiet hours, caps (daily, category, adaptive), cooldown, opt-outs, TTL and notBefore', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        expectNoProblems(simulate(scenario));
      }),
      RUNS,
    );
  });

  it('the rules hold under any deployment config (caps, cooldown, quiet hours, adaptive thresholds)', () => {
    fc.assert(
      fc.property(scenarioArb, configArb, (scenario, config) => {
        const result = simulate({ ...scenario, config });
        expectNoProblems(result);
        for (const outcomes of result.outcomesPerArrival) expect(outcomes).toHaveLength(1);
      }),
      RUNS,
    );
  });

  it('the oracle is sharp: a planner run with looser rules than the policy gets caught', () => {
    const loose = withOverrides(DEFAULT_POLICY, {
      dailyCap: 6,
      cooldownMs: 0,
      defaultQuietHours: { start: 0, end: 0 },
      categories: Object.fromEntries(Object.keys(DEFAULT_POLICY.categories).map((c) => [c, { weeklyCap: 20 }])),
    });
    const caught = new Set<string>();
    for (const scenario of fc.sample(scenarioArb, { numRuns: 200, seed: 42 })) {
      for (const problem of simulate({ ...scenario, config: loose }, { oracleConfig: DEFAULT_POLICY }).problems) {
        for (const rule of ['quiet hours', 'cooldown', 'daily cap', 'category cap']) {
          if (problem.includes(rule)) caught.add(rule);
        }
      }
    }
    expect([...caught].sort()).toEqual(['category cap', 'cooldown', 'daily cap', 'quiet hours']);
  });

  it('every candidate arrival ends with exactly one outcome', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const result = simulate(scenario);
        expectNoProblems(result);
        for (const outcomes of result.outcomesPerArrival) expect(outcomes).toHaveLength(1);
        expect(result.finalState.pending).toEqual([]);
      }),
      RUNS,
    );
  });

  it('expired candidates are never sent, and expiry outcomes carry the expiry time', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const result = simulate(scenario);
        for (const send of result.sends) expect(send.at).toBeLessThan(send.candidate.expiresAt);
        const byId = new Map(
          scenario.events.flatMap((e) => (e.kind === 'candidate' ? [[e.candidate.id, e.candidate] as const] : [])),
        );
        for (const d of result.decisions) {
          if (
            d.stage === 'plan' &&
            d.outcome.kind === 'suppressed' &&
            (d.outcome.reason === 'expired' || d.outcome.reason === 'low_score')
          ) {
            expect(d.outcome.at).toBeLessThanOrEqual(
              present(byId.get(d.candidateId), 'byId.get(d.candidateId)').expiresAt,
            );
          }
        }
      }),
      RUNS,
    );
  });

  it('opted-out candidates are never sent, even when the opt-out arrives while they wait', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const result = simulate(scenario);
        let prefs = scenario.preferences;
        const prefsAt = (at: EpochMs): Preferences => {
          prefs = scenario.preferences;
          for (const e of scenario.events) if (e.kind === 'preferences' && e.at <= at) prefs = e.preferences;
          return prefs;
        };
        for (const send of result.sends) {
          const p = prefsAt(send.at);
          const critical = categoryPolicy(DEFAULT_POLICY, send.category).priorityClass === 'critical';
          expect(p.optedOutCategories).not.toContain(send.category);
          if (!critical) expect(p.globalOptOut).toBe(false);
          expect(p.optedOutChannels).not.toContain(send.channel);
        }
      }),
      RUNS,
    );
  });

  it('is deterministic: the same input gives the same plan, whatever the order of pending candidates', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const first = simulate(scenario, { checkDeterminism: true });
        expectNoProblems(first);
        expect(JSON.stringify(simulate(scenario).decisions)).toEqual(JSON.stringify(first.decisions));
      }),
      { numRuns: 60 },
    );
  });

  it('critical candidates go at once (unless notBefore), whatever the hour, caps and cooldown', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const result = simulate(scenario);
        for (const send of result.sends.filter((s) => s.category === 'security')) {
          const admittedAt = present(
            result.admittedAt.get(send.candidateId),
            'result.admittedAt.get(send.candidateId)',
          );
          expect(send.at).toBe(Math.max(admittedAt, send.candidate.notBefore ?? 0));
        }
      }),
      RUNS,
    );
  });

  it('a plan never asks to wait for a time that is not in the future', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 5 * DAY }), (scenario, offset) => {
        const now = epochMs(scenario.start + offset);
        const pending = scenario.events.flatMap((e, i) =>
          e.kind === 'candidate' && e.at <= now ? [{ ...e.candidate, id: `${e.candidate.id}-${i}` }] : [],
        );
        const state: PlannerState = {
          profile: { timeZone: scenario.timeZone, locale: 'en' },
          preferences: scenario.preferences,
          pending,
          sends: scenario.priorSends,
          userSince: scenario.userSince,
        };
        const result = plan(state, {}, now);
        if (result.action.kind === 'wait') expect(result.action.until).toBeGreaterThan(now);
        const ended = new Set(result.drops.map((d) => d.candidateId));
        expect(ended.size).toBe(result.drops.length);
        if (result.action.kind === 'send') expect(ended.has(result.action.candidate.id)).toBe(false);
      }),
      RUNS,
    );
  });
});
