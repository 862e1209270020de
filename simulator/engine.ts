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
  type SimUser,
  type UserStreams,
} from './population';
import { rng, streamSeed } from './rng';
import { ruleViolations, type CheckedSend } from './oracle';
import { nth, present } from '../domain/present';
import { probability, addMs, days, durationMs, minOf, minutes, NEVER } from '../domain/units';

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

type Receipt = { at: EpochMs; kind: 'opened' | 'converted'; candidateId: string };

export function simulateUser(user: SimUser, streams: UserStreams, name: PolicyName, options: RunOptions): UserOutcome {
  const config = options.config ?? DEFAULT_POLICY;
  const { start, end } = options;
  let now = start;
  const modelFrom = options.modelFrom ?? start;
  const policy = createPolicy(name, user, start, () => (now >= modelFrom ? (options.model ?? null) : null), config);
  const churn = rng(streamSeed(options.seed, user.index, 3));
  const outcome: UserOutcome = {
    sends: 0,
    opens: 0,
    conversions: 0,
    optedOut: false,
    uninstalled: false,
    violations: [],
    rows: [],
  };
  const history: CheckedSend[] = [];
  const receipts: Receipt[] = [];
  const specs = new Map(streams.candidates.map((s) => [s.id, s]));
  let optedOutAt: EpochMs | null = null;
  const openedIds = new Set<string>();
  let ci = 0;
  let ai = 0;
  let wake = start;

  for (let guard = 0; guard < 100_000; guard++) {
    const nextCandidate = streams.candidates[ci]?.createdAt ?? NEVER;
    const nextOpen = streams.appOpens[ai] ?? NEVER;
    const nextReceipt = receipts[0]?.at ?? NEVER;
    now = minOf(minOf(nextCandidate, nextOpen), minOf(nextReceipt, wake));
    if (now >= end || outcome.uninstalled) break;
    while (streams.candidates[ci] !== undefined && nth(streams.candidates, ci).createdAt === now) {
      const spec = nth(streams.candidates, ci++);
      const candidate: Candidate = {
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
      policy.candidate(candidate, now);
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
      const spec = present(specs.get(candidate.id), 'the spec of a simulated candidate');
      const lastDay = history.filter((s) => s.at > now - DAY).length;
      const lastWeek = history.filter((s) => s.at > now - 7 * DAY).length;
      const state = policy.tactState;
      if (state !== null && options.trainUntil !== undefined && now < options.trainUntil) {
        outcome.rows.push({
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
      history.push({ candidate, at: now, optedOutBefore: optedOutAt !== null && optedOutAt <= now });
      outcome.sends++;
      const p = openProbability(user, spec, now, lastDay, lastWeek);
      if (spec.openDraw < p) {
        outcome.opens++;
        openedIds.add(candidate.id);
        const row = outcome.rows[outcome.rows.length - 1];
        if (row !== undefined && row.at === now) row.y = 1;
        const openAt = addMs(now, durationMs(Math.floor(MINUTE + spec.delayDraw * 90 * MINUTE)));
        insertReceipt(receipts, { at: openAt, kind: 'opened', candidateId: candidate.id });
        if (spec.convertDraw < 0.3 * candidate.businessValue) {
          outcome.conversions++;
          insertReceipt(receipts, { at: addMs(openAt, minutes(5)), kind: 'converted', candidateId: candidate.id });
        }
      } else if (isBudgeted(categoryPolicy(config, candidate.category).priorityClass)) {
        // An unwanted notification: the chance to leave grows with the recent unwanted ones, most at night.
        const unwanted = history.filter((s) => s.at > now - 7 * DAY && !openedIds.has(s.candidate.id)).length;
        const pressure = 1 + unwanted / 4;
        const night = isNightFor(user, now) ? 4 : 1;
        if (churn() < user.uninstallHazard * pressure * night) {
          outcome.uninstalled = true;
          break;
        }
        if (optedOutAt === null && churn() < user.optOutHazard * pressure) {
          const at = addMs(now, MINUTE);
          optedOutAt = at;
          outcome.optedOut = true;
          policy.optedOut(at);
        }
      }
    }
  }
  outcome.violations = ruleViolations(history, user.timeZone, config, policy.keepsCooldown);
  return outcome;
}

function insertReceipt(receipts: Receipt[], receipt: Receipt): void {
  let i = receipts.length;
  while (i > 0 && nth(receipts, i - 1).at > receipt.at) i--;
  receipts.splice(i, 0, receipt);
}
