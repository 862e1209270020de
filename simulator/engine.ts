// One user under one policy, from start to end: the user's events and app opens arrive, the policy decides, and the
// user's hidden truths answer each send (open or not, when, convert or not, leave or not).
import { DEFAULT_POLICY, categoryPolicy, isBudgeted, type PolicyConfig } from '../domain/config';
import type { Candidate, EpochMs } from '../domain/types';
import { features, featureSpace, type FeatureSpace } from '../activities/model/features';
import type { LogisticModel } from '../activities/model/logistic';
import { createPolicy, type PolicyName } from './policies';
import {
  SIM_CATEGORIES,
  SIM_TEMPLATES,
  isNightFor,
  openProbability,
  type SimCandidateSpec,
  type SimUser,
  type UserStreams,
} from './population';
import { rng, streamSeed } from './rng';
import { ruleViolations, type CheckedSend } from './oracle';
import { nth, present } from '../domain/present';
import { addMs, days, durationMs, minOf, minutes, NEVER, probability } from '../domain/units';

const MINUTE = minutes(1);
const DAY = days(1);

export interface UserOutcome {
  sends: number;
  opens: number;
  conversions: number;
  optedOut: boolean;
  uninstalled: boolean;
  violations: string[];
  /** Features and label of each Tact send before `trainUntil` (for training the model). */
  rows: { x: number[]; y: number; at: EpochMs }[];
  /** Every send, in order. */
  trace: SendTrace[];
}

export interface RunOptions {
  seed: number;
  start: EpochMs;
  end: EpochMs;
  config?: PolicyConfig;
  model?: (LogisticModel & FeatureSpace) | null;
  /** From when the model (if any) scores; priors before. */
  modelFrom?: EpochMs;
  /** Collect training rows for sends before this instant. */
  trainUntil?: EpochMs;
}

export const SIM_SPACE: FeatureSpace = featureSpace(SIM_TEMPLATES, SIM_CATEGORIES);

export type Receipt = { at: EpochMs; kind: 'opened' | 'converted'; candidateId: string };

/** One send of a simulated user, as the user lived it. */
export interface SendTrace {
  candidateId: string;
  at: EpochMs;
  opened: boolean;
}

/** What a send did to the user: the receipts it will bring, and whether they opted out (from when) or left. */
export interface Reaction {
  opened: boolean;
  receipts: Receipt[];
  optOutAt: EpochMs | null;
  uninstalled: boolean;
}

/**
 * The user's side of every send: their hidden truths answer it (open or not, when, convert or not, opt out or
 * leave). Shared by the pure path below and the real-workflow path (test/simulator/real-workflow.test.ts), so both
 * meet the same coin flips in the same order.
 */
export class SimulatedUser {
  readonly history: CheckedSend[] = [];
  readonly trace: SendTrace[] = [];
  sends = 0;
  opens = 0;
  conversions = 0;
  optedOutAt: EpochMs | null = null;
  uninstalled = false;
  private readonly specs: Map<string, SimCandidateSpec>;
  private readonly openedIds = new Set<string>();
  private readonly churn: () => number;

  constructor(
    readonly user: SimUser,
    streams: UserStreams,
    seed: number,
    private readonly config: PolicyConfig,
  ) {
    this.specs = new Map(streams.candidates.map((s) => [s.id, s]));
    this.churn = rng(streamSeed(seed, user.index, 3));
  }

  /** The user receives `candidate` at `now`. */
  receive(candidate: Candidate, now: EpochMs): Reaction {
    const { user, history } = this;
    const spec = present(this.specs.get(candidate.id), 'the spec of a simulated candidate');
    // The user's memory is not to the millisecond: a send a whole day (week) ago, give or take a minute, is out of
    // it. (To the millisecond, whether the same hour yesterday counted turned on a delivery's latency.)
    const within = (span: number) => (s: CheckedSend) => s.at > now - span + MINUTE;
    const lastDay = history.filter(within(DAY)).length;
    const lastWeek = history.filter(within(7 * DAY)).length;
    history.push({ candidate, at: now, optedOutBefore: this.optedOutAt !== null && this.optedOutAt <= now });
    this.sends++;
    const reaction: Reaction = { opened: false, receipts: [], optOutAt: null, uninstalled: false };
    const p = openProbability(user, spec, now, lastDay, lastWeek);
    if (spec.openDraw < p) {
      this.opens++;
      this.openedIds.add(candidate.id);
      reaction.opened = true;
      const openAt = addMs(now, durationMs(Math.floor(MINUTE + spec.delayDraw * 90 * MINUTE)));
      reaction.receipts.push({ at: openAt, kind: 'opened', candidateId: candidate.id });
      if (spec.convertDraw < 0.3 * candidate.businessValue) {
        this.conversions++;
        reaction.receipts.push({ at: addMs(openAt, minutes(5)), kind: 'converted', candidateId: candidate.id });
      }
    } else if (isBudgeted(categoryPolicy(this.config, candidate.category).priorityClass)) {
      // An unwanted notification: the chance to leave grows with the recent unwanted ones, most at night.
      const unwanted = history.filter((s) => within(7 * DAY)(s) && !this.openedIds.has(s.candidate.id)).length;
      const pressure = 1 + unwanted / 4;
      const night = isNightFor(user, now) ? 4 : 1;
      if (this.churn() < user.uninstallHazard * pressure * night) {
        this.uninstalled = true;
        reaction.uninstalled = true;
      } else if (this.optedOutAt === null && this.churn() < user.optOutHazard * pressure) {
        const at = addMs(now, MINUTE);
        this.optedOutAt = at;
        reaction.optOutAt = at;
      }
    }
    this.trace.push({ candidateId: candidate.id, at: now, opened: reaction.opened });
    return reaction;
  }
}

/** The candidate the simulated backend proposes for a spec (as the product receives it). */
export function simCandidate(user: SimUser, spec: SimCandidateSpec, config: PolicyConfig): Candidate {
  return {
    id: spec.id,
    userId: user.id,
    category: spec.category,
    template: spec.template,
    variables: {},
    createdAt: spec.createdAt,
    expiresAt: addMs(spec.createdAt, categoryPolicy(config, spec.category).ttlMs),
    businessValue: probability(spec.businessValue),
    source: 'event',
  };
}

export function simulateUser(user: SimUser, streams: UserStreams, name: PolicyName, options: RunOptions): UserOutcome {
  const config = options.config ?? DEFAULT_POLICY;
  const { start, end } = options;
  let now = start;
  const modelFrom = options.modelFrom ?? start;
  const policy = createPolicy(name, user, start, () => (now >= modelFrom ? (options.model ?? null) : null), config);
  const sim = new SimulatedUser(user, streams, options.seed, config);
  const rows: UserOutcome['rows'] = [];
  const receipts: Receipt[] = [];
  let ci = 0;
  let ai = 0;
  let wake = start;

  for (let guard = 0; guard < 100_000; guard++) {
    const nextCandidate = streams.candidates[ci]?.createdAt ?? NEVER;
    const nextOpen = streams.appOpens[ai] ?? NEVER;
    const nextReceipt = receipts[0]?.at ?? NEVER;
    now = minOf(minOf(nextCandidate, nextOpen), minOf(nextReceipt, wake));
    if (now >= end || sim.uninstalled) break;
    while (streams.candidates[ci] !== undefined && nth(streams.candidates, ci).createdAt === now) {
      policy.candidate(simCandidate(user, nth(streams.candidates, ci++), config), now);
    }
    while (streams.appOpens[ai] === now) {
      ai++;
      policy.appOpened(now);
    }
    for (let receipt = receipts[0]; receipt !== undefined && receipt.at === now; receipt = receipts[0]) {
      receipts.shift();
      if (receipt.kind === 'opened') policy.opened(receipt.candidateId, now);
      else policy.converted(receipt.candidateId, now);
    }

    for (let sendsNow = 0; sendsNow < 50; sendsNow++) {
      const next = policy.next(now);
      if (next.kind === 'wait') {
        wake = next.until > now ? next.until : addMs(now, MINUTE);
        break;
      }
      const { candidate } = next;
      // The policy decides again after the send is made (the workflow re-plans once its send activity is done).
      now = next.at;
      const state = policy.tactState;
      if (state !== null && options.trainUntil !== undefined && now < options.trainUntil) {
        rows.push({
          x: features(
            {
              candidate,
              channel: next.channel,
              at: now,
              timeZone: user.timeZone,
              recentSends: state.sends,
              engagement: state.engagement.counts,
              userSince: state.userSince,
              ...(state.lastEngagementAt === undefined ? {} : { lastEngagementAt: state.lastEngagementAt }),
            },
            SIM_SPACE,
          ),
          y: 0,
          at: now,
        });
      }
      const reaction = sim.receive(candidate, now);
      if (reaction.opened) {
        const row = rows[rows.length - 1];
        if (row !== undefined && row.at === now) row.y = 1;
      }
      for (const receipt of reaction.receipts) insertReceipt(receipts, receipt);
      if (reaction.uninstalled) break;
      if (reaction.optOutAt !== null) policy.optedOut(reaction.optOutAt);
    }
  }
  return {
    sends: sim.sends,
    opens: sim.opens,
    conversions: sim.conversions,
    optedOut: sim.optedOutAt !== null,
    uninstalled: sim.uninstalled,
    violations: ruleViolations(sim.history, user.timeZone, config, policy.keepsCooldown),
    rows,
    trace: sim.trace,
  };
}

export function insertReceipt(receipts: Receipt[], receipt: Receipt): void {
  let i = receipts.length;
  while (i > 0 && nth(receipts, i - 1).at > receipt.at) i--;
  receipts.splice(i, 0, receipt);
}
