// GET /v1/users/{id}/state while the user's workflow is slow to answer (its tasks queue behind ingestion) or Temporal
// is away: the last view the workflow gave, from PostgreSQL, marked stale with its age. Real database; the `state`
// query is scripted so that "slow" and "away" happen on demand.
import { describe, expect, it } from 'vitest';
import { WorkflowsUnavailableError } from '../../api/workflow-gateway';
import { defaultPreferences, defaultProfile } from '../../domain/user-defaults';
import type { UserStateView } from '../../workflows/definitions';
import { uniqueId } from './support';
import { useScriptedApi } from './scripted-workflows';
import { utc } from '../support/instants';
import { addMs, minutes } from '../../domain/units';

const T0 = utc(2026, 2, 10, 9, 0, 0);
let clock = T0;
const api = useScriptedApi({ now: () => clock, stateQueryDeadlineMs: 100 });

function view(userId: string, budgetLeftToday: number): UserStateView {
  return {
    userId,
    profile: defaultProfile(),
    preferences: defaultPreferences(),
    budgetLeftToday,
    cooldownUntil: null,
    nextPlannedSend: null,
    planWhy: 'idle: nothing pending',
    queue: [],
    recentDecisions: [],
    recentSends: [],
    inboxSize: 0,
    stats: {
      messagesProcessed: 1,
      events: 1,
      duplicateEvents: 0,
      candidatesAdmitted: 0,
      sent: 0,
      suppressed: 0,
      continuedAsNew: 0,
    },
    configVersion: { id: 'v1', since: T0 },
    learnedPeakHour: null,
  };
}

/** A query that answers only when released (a workflow whose tasks wait behind others). */
function heldQuery(answer: UserStateView | null) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return { query: () => released.then(() => answer), release };
}

describe('GET /v1/users/{id}/state under write load', () => {
  it('answers live when the workflow answers in time, and keeps that view', async () => {
    const userId = uniqueId('live');
    api().workflows.stateAnswer = async () => view(userId, 3);
    clock = T0;
    const response = await api().call('GET', `/v1/users/${userId}/state`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ budgetLeftToday: 3, stale: false, asOf: new Date(T0).toISOString() });
    expect(response.body.undispatched).toBeUndefined();
    await expect.poll(() => api().repos.stateViews.load(userId)).toMatchObject({ asOf: T0 });
  });

  it('serves the stored view, stale with its age and what has not reached the workflow, when the workflow is slow', async () => {
    const userId = uniqueId('busy');
    api().workflows.stateAnswer = async () => view(userId, 2);
    clock = T0;
    expect((await api().call('GET', `/v1/users/${userId}/state`)).body.stale).toBe(false);
    await expect.poll(() => api().repos.stateViews.load(userId)).not.toBeNull();

    // Two events accepted since; the workflow is busy and answers late.
    clock = addMs(T0, minutes(1));
    for (const id of ['e1', 'e2']) {
      expect((await api().call('POST', '/v1/events', { json: { id, userId, type: 'password_reset' } })).status).toBe(
        202,
      );
    }
    const slow = heldQuery(view(userId, 1));
    api().workflows.stateAnswer = slow.query;
    const response = await api().call('GET', `/v1/users/${userId}/state`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      budgetLeftToday: 2,
      stale: true,
      asOf: new Date(T0).toISOString(),
      undispatched: 2,
    });

    // The late answer still refreshes the stored view: the next slow read is newer.
    slow.release();
    await expect.poll(async () => (await api().repos.stateViews.load(userId))?.asOf).toBe(T0 + 60_000);
    api().workflows.stateAnswer = heldQuery(null).query;
    expect((await api().call('GET', `/v1/users/${userId}/state`)).body).toMatchObject({
      budgetLeftToday: 1,
      stale: true,
      asOf: new Date(T0 + 60_000).toISOString(),
    });
  });

  it('waits for a slow workflow when no view is stored yet', async () => {
    const userId = uniqueId('first');
    const slow = heldQuery(view(userId, 4));
    api().workflows.stateAnswer = slow.query;
    clock = T0;
    const reading = api().call('GET', `/v1/users/${userId}/state`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    slow.release();
    expect((await reading).body).toMatchObject({ budgetLeftToday: 4, stale: false });
  });

  it('serves the stored view when Temporal is away, and 503 when there is none', async () => {
    const userId = uniqueId('away');
    api().workflows.stateAnswer = async () => view(userId, 5);
    clock = T0;
    await api().call('GET', `/v1/users/${userId}/state`);
    await expect.poll(() => api().repos.stateViews.load(userId)).not.toBeNull();
    api().workflows.stateAnswer = () => Promise.reject(new WorkflowsUnavailableError(new Error('ECONNREFUSED')));
    expect((await api().call('GET', `/v1/users/${userId}/state`)).body).toMatchObject({
      budgetLeftToday: 5,
      stale: true,
    });
    expect((await api().call('GET', `/v1/users/${uniqueId('never-read')}/state`)).status).toBe(503);
  });

  it('still answers 404 for a user without a workflow', async () => {
    api().workflows.stateAnswer = async () => null;
    expect((await api().call('GET', `/v1/users/${uniqueId('nobody')}/state`)).status).toBe(404);
  });
});
