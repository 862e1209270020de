// The simulator's pure path against the real thing: a small cohort of the simulated population lives a few days
// through the real user workflow on the time-skipping server (signals in, the send activity's deliveries out), and
// through the simulator's pure path (simulator/engine.ts driving workflows/user-state.ts and the planner) with the
// same seed. Both must make the same sends (candidate and time) and meet the same outcomes (opens, conversions,
// opt-outs, uninstalls). The users' reactions come from the same code on both paths (SimulatedUser), fed with the
// send times each path really made, so a difference in decisions shows up as a difference here.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../domain/config';
import type { EpochMs } from '../../domain/types';
import type { UserStateView } from '../../workflows/definitions';
import { SimulatedUser, simCandidate, simulateUser, type Receipt, type SendTrace } from '../../simulator/engine';
import { makeUser, userStreams } from '../../simulator/population';
import { TEST_START_MS } from '../support/test-clock';
import { waitFor } from '../support/wait';
import { defineHarness } from '../workflows/support/harness';
import { addMs, days, epochMs, scaleMs, minOf, NEVER } from '../../domain/units';

const DAY = days(1);
const WEEK = days(7);
const SEED = 14;
const USERS = 10;
const DAYS = 7;
/** The first Monday 00:00 UTC after the test clock's start (the simulator's weeks start on a Monday too). */
const FIRST_MONDAY = (() => {
  const day = epochMs(Math.ceil((TEST_START_MS + 1) / DAY) * DAY);
  return addMs(day, days((8 - new Date(day).getUTCDay()) % 7));
})();
/**
 * The workflow's clock is the server's: a signal sent at `t` is handled a few milliseconds later, and a send is dated
 * by its activity's scheduled time. Times on the two paths agree to within this.
 */
const CLOCK_SLACK_MS = 5_000;

const h = defineHarness();

interface PathResult {
  trace: SendTrace[];
  opens: number;
  conversions: number;
  optedOut: boolean;
  uninstalled: boolean;
}

type Input =
  | { at: EpochMs; kind: 'candidate'; index: number }
  | { at: EpochMs; kind: 'appOpened' }
  | { at: EpochMs; kind: 'receipt'; receipt: Receipt };

/** One user's days through the real workflow: every input as a signal at its time, every delivery answered. */
async function throughWorkflow(index: number, start: EpochMs): Promise<PathResult> {
  const user = makeUser(SEED, index);
  const streams = userStreams(SEED, user, start, DAYS);
  const sim = new SimulatedUser(user, streams, SEED, DEFAULT_POLICY);
  const end = start + DAYS * DAY;
  const inputs: Input[] = [
    ...streams.candidates.map((c, i) => ({ at: c.createdAt, kind: 'candidate' as const, index: i })),
    ...streams.appOpens.map((at) => ({ at, kind: 'appOpened' as const })),
  ].sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === 'candidate' ? -1 : 1));
  let signals = 0;
  let seen = 0;
  await h.sleepUntil(start);
  await h.users.updateProfile(user.id, { timeZone: user.timeZone });
  signals++;
  let plan: UserStateView = await settle(user.id, signals);

  while (!sim.uninstalled) {
    const planned = plan.nextPlannedSend?.at ?? NEVER;
    const at = minOf(inputs[0]?.at ?? NEVER, planned);
    if (at >= end) break;
    await h.sleepUntil(at);
    // Everything due at this instant, in the pure path's order (candidates, app opens, receipts), as signals.
    while (inputs[0] !== undefined && inputs[0].at <= at) {
      const input = inputs.shift() as Input;
      if (input.kind === 'candidate') {
        const spec = streams.candidates[input.index];
        if (spec === undefined) throw new Error('no such candidate');
        await h.users.proposeCandidate(simCandidate(user, spec, DEFAULT_POLICY));
      } else if (input.kind === 'appOpened') {
        await h.users.appOpened(user.id, input.at);
      } else {
        const { candidateId, kind, at: receiptAt } = input.receipt;
        await h.users.notificationEvent(user.id, { notificationId: candidateId, type: kind, at: receiptAt });
      }
      signals++;
    }
    plan = await settle(user.id, signals);
    // The user answers each delivery at the time it was made.
    for (const delivery of h.deliveries.filter((d) => d.input.userId === user.id).slice(seen)) {
      seen++;
      const reaction = sim.receive(delivery.input.candidate, delivery.at);
      if (reaction.uninstalled) break;
      for (const receipt of reaction.receipts) inputs.push({ at: receipt.at, kind: 'receipt', receipt });
      inputs.sort((a, b) => a.at - b.at);
      if (reaction.optOutAt !== null) {
        // The pure path applies the opt-out at once (dated a minute on); so does this one.
        await h.users.updatePreferences(user.id, { globalOptOut: true });
        signals++;
        plan = await settle(user.id, signals);
      }
    }
  }
  return {
    trace: sim.trace,
    opens: sim.opens,
    conversions: sim.conversions,
    optedOut: sim.optedOutAt !== null,
    uninstalled: sim.uninstalled,
  };
}

/** Waits until the workflow has handled every signal and is not in the middle of a send; returns its state. */
async function settle(userId: string, signals: number): Promise<UserStateView> {
  return waitFor(
    `${userId} to handle ${signals} signals and finish sending`,
    async () => {
      const state = await h.users.state(userId);
      if (state === null || state.inboxSize > 0 || state.stats.messagesProcessed < signals) return undefined;
      const next = state.nextPlannedSend;
      // A send planned for now is under way (its activity running): wait for the plan after it.
      return next === null || next.at > (await h.now()) ? state : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 20 },
  );
}

function throughSimulator(index: number, start: EpochMs): PathResult {
  const user = makeUser(SEED, index);
  const o = simulateUser(user, userStreams(SEED, user, start, DAYS), 'tact_prior', {
    seed: SEED,
    start,
    end: addMs(start, days(DAYS)),
  });
  return {
    trace: o.trace,
    opens: o.opens,
    conversions: o.conversions,
    optedOut: o.optedOut,
    uninstalled: o.uninstalled,
  };
}

/** Sends as lines (candidate, time to the minute, opened), so a difference reads as a diff. */
function lines(trace: SendTrace[]): string[] {
  return trace.map((s) => `${s.candidateId} ~${new Date(s.at).toISOString().slice(0, 16)} ${s.opened ? 'opened' : ''}`);
}

describe('the simulator against the real workflow', () => {
  it(`makes the same sends with the same outcomes for ${USERS} simulated users over ${DAYS} days`, async () => {
    let sends = 0;
    let opens = 0;
    let conversions = 0;
    let optOuts = 0;
    for (let index = 0; index < USERS; index++) {
      // One user after another, each from a Monday of their own (the server's clock only moves forward).
      const start = addMs(FIRST_MONDAY, scaleMs(WEEK, index));
      const real = await throughWorkflow(index, start);
      const pure = throughSimulator(index, start);
      const user = `user ${index}`;
      // Same candidates in the same order, opened or not alike; then each at the same time (to the clock's slack).
      expect(lines(real.trace), user).toEqual(lines(pure.trace));
      real.trace.forEach((send, i) => {
        const gap = Math.abs(send.at - (pure.trace[i]?.at ?? Infinity));
        expect(gap, `${user}: ${send.candidateId} sent ${gap} ms apart`).toBeLessThanOrEqual(CLOCK_SLACK_MS);
      });
      expect({ ...real, trace: [] }, user).toEqual({ ...pure, trace: [] });
      sends += pure.trace.length;
      opens += pure.opens;
      conversions += pure.conversions;
      optOuts += pure.optedOut ? 1 : 0;
    }
    // The cohort really exercised both paths: about two sends a day each, opens and conversions (receipts fed back),
    // and an opt-out (a preference signal mid-run). With this seed: 140 sends, 27 opens, 3 conversions, 1 opt-out.
    expect(sends).toBeGreaterThan(USERS * DAYS);
    expect(opens).toBeGreaterThan(10);
    expect(conversions).toBeGreaterThan(0);
    expect(optOuts).toBeGreaterThan(0);
  }, 600_000);
});
