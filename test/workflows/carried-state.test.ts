// The carried state is versioned: a run of this code accepts what the previous (unversioned) code carried across
// continue-as-new, and carries its own version on. test/fixtures/histories/unversioned-carry-run*.json were recorded
// on the code before versioning; the replay test replays them against this code, and this test starts a run from
// their carried input.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { CARRIED_STATE_VERSION, migrate, type AnyCarriedState } from '../../workflows/carried-state';
import { USER_WORKFLOW_TYPE, userWorkflowId, type UserWorkflowInput } from '../../workflows/definitions';
import { HISTORY_FIXTURES_DIR } from './support/fixtures';
import { defineHarness } from './support/harness';
import { epochMs, addMs, durationMs } from '../../domain/units';
import { present } from '../../domain/present';

const h = defineHarness();

/** The input a run started with, decoded as the SDK decodes it. */
function startInput(history: temporal.api.history.v1.IHistory): UserWorkflowInput {
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new Error('history has no start input');
  return defaultPayloadConverter.fromPayload<UserWorkflowInput>(payload);
}

function fixture(name: string): temporal.api.history.v1.IHistory {
  return temporal.api.history.v1.History.fromObject(
    JSON.parse(readFileSync(path.join(HISTORY_FIXTURES_DIR, name), 'utf8')) as Record<string, unknown>,
  );
}

const previous = startInput(fixture('unversioned-carry-run2.json'));

describe('migrate', () => {
  it('gives the unversioned shape a version and keeps its state and inbox', () => {
    const old = present(previous.carried, 'previous.carried');
    expect(old.v).toBeUndefined();
    const migrated = migrate(old);
    expect(migrated).toEqual({ v: CARRIED_STATE_VERSION, state: old.state, inbox: old.inbox });
    expect(migrate(migrated)).toBe(migrated);
  });

  it('refuses a version it does not know, rather than misreading it', () => {
    const newer = {
      ...present(previous.carried, 'previous.carried'),
      v: CARRIED_STATE_VERSION + 1,
    } as unknown as AnyCarriedState;
    expect(() => migrate(newer)).toThrow(/newer than this code knows/);
  });
});

describe('a run started from the previous code’s carried state', () => {
  it('keeps the carried state and carries it on with its version', async () => {
    const carried = present(previous.carried, 'previous.carried');
    const userId = carried.state.userId;
    // The recorded run continued-as-new at a small history cap; keep it so that this run does too.
    expect(previous.options?.maxHistoryEvents).toBeLessThanOrEqual(200);
    await h.client.workflow.start(USER_WORKFLOW_TYPE, {
      taskQueue: h.taskQueue,
      workflowId: userWorkflowId(userId),
      args: [previous],
    });

    const view = await h.waitForState(
      userId,
      (s) => s.stats.events === carried.state.stats.events,
      'the carried state',
    );
    expect(view.stats.continuedAsNew).toBe(carried.state.stats.continuedAsNew);
    expect(view.stats.duplicateEvents).toBe(carried.state.stats.duplicateEvents);
    expect(view.recentDecisions.map((d) => d.candidateId)).toEqual(
      carried.state.recentDecisions.map((d) => d.candidateId),
    );
    // No settings load: a carried run has them in its state.
    expect(h.settingsLoads).not.toContain(userId);

    // Enough signals to pass the history cap: the run continues-as-new and writes the current version.
    const at = epochMs(await h.now());
    for (let i = 0; i < 150; i += 1) await h.users.devicesChanged(userId, addMs(at, durationMs(i)));
    await h.waitForState(
      userId,
      (s) => s.stats.continuedAsNew > carried.state.stats.continuedAsNew,
      'a continue-as-new of the migrated run',
    );
    const runs = await h.histories(userId);
    const next = startInput(present(runs.at(-1), 'the last of runs').history);
    expect(next.carried?.v).toBe(CARRIED_STATE_VERSION);
    expect(next.carried?.state.stats.events).toBe(carried.state.stats.events);
  });
});
