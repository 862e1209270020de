// `npm run bench -- journeys`: what journeys cost in Temporal actions (bench/actions.ts counts them by Temporal Cloud's
// billing rules from the real histories, on the time-skipping server), beside the standard user-day measured in the
// same run (profile "sessions"):
// 1. one cart_abandonment run without a purchase (two reminders) and one ended by a purchase 3 h after the first
//    reminder: the run's own workflow plus what it adds to its user's workflow (against a control user sent the same
//    signals without the enrollment);
// 2. an event forwarded to a waiting run (trial_expiry waits; `feature_used` is one of its events): what it adds to
//    the user workflow and to the run, per event, and what the same event costs a user with no run (every event type
//    some journey listens to is signalled for every user: journeys/README.md "What journeys cost").
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { InMemoryDecisionStore } from '../activities';
import { TactUserClient } from '../api/user-client';
import { nextLocalTime } from '../domain';
import type { EpochMs, UserEvent } from '../domain/types';
import { present } from '../domain/present';
import { minuteOfDay, addMs, hours, subMs, days, epochMs, EPOCH, minutes, NEVER } from '../domain/units';
import { journeyRunId } from '../journeys/definitions';
import { userWorkflowId } from '../workflows/definitions';
import { startTactTestWorker } from '../test/support/tact-test-env';
import { allRuns, benchActivities, countActions, measure, PROFILES, protoMs, totalActions } from './actions';

const MINUTE = minutes(1);
const HOUR = hours(1);
const FORWARDED = 10;
const TZ = 'Europe/Paris';

export async function run(): Promise<void> {
  const taskQueue = `bench-journeys-${randomUUID().slice(0, 8)}`;
  const decisions = new InMemoryDecisionStore();
  const tact = await startTactTestWorker(benchActivities(decisions), taskQueue);
  const { env } = tact;
  try {
    const users = new TactUserClient(env.client, { taskQueue });
    const userDay = await measure(
      env,
      users,
      decisions,
      present(
        PROFILES.find((p) => p.name === 'sessions'),
        'the sessions profile',
      ),
    );
    const cart = await cartRuns(env, users, decisions);
    const forwarded = await forwardedEvents(env, users);
    const ratio = (n: number) => `${n.toFixed(1).padStart(6)}  (${((n / userDay) * 100).toFixed(0)} % of a user-day)`;
    console.log(`\njourneys, in Temporal actions (standard user-day, profile "sessions": ${userDay.toFixed(1)})`);
    for (const [name, c] of Object.entries(cart)) {
      console.log(`  cart_abandonment run, ${name.padEnd(28)} ${ratio(c.run + c.user)}`);
      console.log(
        `    the run's workflow ${c.run}, added to the user workflow ${c.user} (${c.sends} sends); history events: run ${c.runEvents}, user +${c.userEvents}`,
      );
    }
    console.log(`  per event forwarded to a waiting run (trial_expiry, ${FORWARDED} events):`);
    console.log(
      `    added to the user workflow ${forwarded.user.toFixed(2)} actions, ${forwarded.userEvents.toFixed(1)} history events`,
    );
    console.log(
      `    in the run                 ${forwarded.run.toFixed(2)} actions, ${forwarded.runEvents.toFixed(1)} history events`,
    );
    console.log(
      `  the same event for a user with no run: ${forwarded.control.toFixed(2)} actions, ${forwarded.controlEvents.toFixed(1)} history events (signalled to every user)`,
    );
  } finally {
    await tact.stop();
  }
}

async function sleepUntil(env: TestWorkflowEnvironment, at: EpochMs): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}

/** Actions and history events of a workflow's runs within [from, to). */
async function actionsIn(env: TestWorkflowEnvironment, workflowId: string, from: EpochMs, to: EpochMs) {
  const events = (await allRuns(env.client, '', workflowId)).filter((e) => {
    const at = protoMs(e.eventTime);
    return at >= from && at < to;
  });
  const b = countActions(events);
  return { actions: totalActions(b), events: b.historyEvents };
}

const id = (ids: Record<string, string>, who: string): string => present(ids[who], `user ${who}`);

async function newUsers(users: TactUserClient, names: string[]): Promise<Record<string, string>> {
  const ids = Object.fromEntries(names.map((n) => [n, `bench-journey-${n}-${randomUUID().slice(0, 6)}`]));
  for (const id of Object.values(ids)) await users.updateProfile(id, { timeZone: TZ });
  return ids;
}

function event(userId: string, type: string, at: EpochMs, properties: UserEvent['properties'] = {}): UserEvent {
  return { id: `bench-${randomUUID()}`, userId, type, occurredAt: at, properties };
}

async function cartRuns(env: TestWorkflowEnvironment, users: TactUserClient, decisions: InMemoryDecisionStore) {
  const ids = await newUsers(users, ['cart', 'cart-control', 'buyer', 'buyer-control']);
  const start = nextLocalTime(addMs(epochMs(await env.currentTimeMs()), HOUR), TZ, minuteOfDay(10 * 60));
  await sleepUntil(env, start);
  for (const who of ['cart', 'buyer']) {
    await users.enroll(id(ids, who), {
      journey: 'cart_abandonment',
      source: 'api',
      data: { itemCount: 2, topItem: 'Hat' },
    });
  }
  // After the first reminder (1 h, at 11:00), before the second (a day later).
  await sleepUntil(env, addMs(start, hours(4)));
  for (const who of ['buyer', 'buyer-control']) {
    await users.sendEvent(event(id(ids, who), 'purchase_completed', addMs(start, hours(4)), { orderId: 'o1' }));
  }
  const end = addMs(start, days(3));
  await sleepUntil(env, end);
  const cost = async (who: string, control: string) => {
    const runWorkflow = journeyRunId(userWorkflowId(id(ids, who)), 'cart_abandonment', 1);
    const runs = await actionsIn(env, runWorkflow, EPOCH, NEVER);
    const user = await actionsIn(env, userWorkflowId(id(ids, who)), subMs(start, MINUTE), end);
    const base = await actionsIn(env, userWorkflowId(id(ids, control)), subMs(start, MINUTE), end);
    const sends = decisions.decisionsFor(id(ids, who)).filter((d) => d.outcome.kind === 'sent').length;
    return {
      run: runs.actions,
      runEvents: runs.events,
      user: user.actions - base.actions,
      userEvents: user.events - base.events,
      sends,
    };
  };
  return {
    'no purchase (2 reminders)': await cost('cart', 'cart-control'),
    'purchase 3 h after 1st reminder': await cost('buyer', 'buyer-control'),
  };
}

async function forwardedEvents(env: TestWorkflowEnvironment, users: TactUserClient) {
  const ids = await newUsers(users, ['trial', 'trial-control']);
  const start = nextLocalTime(addMs(epochMs(await env.currentTimeMs()), HOUR), TZ, minuteOfDay(9 * 60));
  await sleepUntil(env, start);
  await users.enroll(id(ids, 'trial'), {
    journey: 'trial_expiry',
    source: 'api',
    data: { trialEndsAt: addMs(start, days(30)) },
  });
  // Past day 1: the run sleeps until 48 h before the trial ends, and takes feature_used events as they come.
  const from = addMs(start, hours(26));
  await sleepUntil(env, from);
  for (let i = 0; i < FORWARDED; i++) {
    const at = addMs(from, minutes((i + 1) * 5));
    await sleepUntil(env, at);
    for (const who of ['trial', 'trial-control']) {
      await users.sendEvent(event(id(ids, who), 'feature_used', at, { feature: `f${i}` }));
    }
  }
  const to = addMs(from, minutes((FORWARDED + 2) * 5));
  await sleepUntil(env, to);
  const runWorkflow = journeyRunId(userWorkflowId(id(ids, 'trial')), 'trial_expiry', 1);
  const inRun = await actionsIn(env, runWorkflow, from, to);
  const user = await actionsIn(env, userWorkflowId(id(ids, 'trial')), from, to);
  const control = await actionsIn(env, userWorkflowId(id(ids, 'trial-control')), from, to);
  return {
    user: (user.actions - control.actions) / FORWARDED,
    userEvents: (user.events - control.events) / FORWARDED,
    run: inRun.actions / FORWARDED,
    runEvents: inRun.events / FORWARDED,
    control: control.actions / FORWARDED,
    controlEvents: control.events / FORWARDED,
  };
}
