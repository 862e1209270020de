import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { defineSuite, uniqueId } from '../support/suite';
import { waitFor } from '../../support/wait';
import { blocker, echo, failing } from './workflows';

// Local mode: Temporal's dev server runs schedules in real time (its time-skipping test server has none).
const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });

const startWorkflow = (workflow: typeof echo | typeof blocker | typeof failing, workflowId: string) => ({
  type: 'startWorkflow' as const,
  workflowType: workflow.name,
  workflowId,
  taskQueue: suite.taskQueue,
  args: workflow === echo ? ['arg1'] : [],
});

describe('schedules', () => {
  it('create, describe (canonical spec, defaults), duplicate id, delete', async () => {
    const scheduleId = uniqueId('sched-describe');
    const handle = await suite.client.schedule.create({
      scheduleId,
      spec: { cronExpressions: ['CRON_TZ=Europe/Berlin 30 9 * * MON-FRI'], jitter: '10s' },
      action: startWorkflow(echo, 'sched-describe-wf'),
      memo: { team: 'growth' },
      state: { paused: true, note: 'created paused' },
    });
    const d = await handle.describe();
    expect(d.spec.timezone).toBe('Europe/Berlin');
    expect(d.spec.jitter).toBe(10_000);
    expect(d.spec.calendars).toEqual([
      {
        second: [{ start: 0, end: 0, step: 1 }],
        minute: [{ start: 30, end: 30, step: 1 }],
        hour: [{ start: 9, end: 9, step: 1 }],
        dayOfMonth: [{ start: 1, end: 31, step: 1 }],
        month: [{ start: 'JANUARY', end: 'DECEMBER', step: 1 }],
        year: [],
        dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }],
        comment: '',
      },
    ]);
    expect(d.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(d.policies.catchupWindow).toBe(365 * 24 * 3600 * 1000);
    expect(d.state).toMatchObject({ paused: true, note: 'created paused' });
    expect(d.memo).toEqual({ team: 'growth' });
    expect(d.info.numActionsTaken).toBe(0);
    expect(d.info.nextActionTimes).toHaveLength(10);
    for (const t of d.info.nextActionTimes) expect([1, 2, 3, 4, 5]).toContain(t.getUTCDay());

    await expect(
      suite.client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1h' }] },
        action: startWorkflow(echo, 'x'),
      }),
    ).rejects.toBeInstanceOf(ScheduleAlreadyRunning);

    await handle.delete();
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('an interval schedule starts workflows named <workflowId>-<RFC3339 time> with the schedule search attributes', async () => {
    const scheduleId = uniqueId('sched-interval');
    const workflowId = uniqueId('sched-interval-wf');
    const handle = await suite.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1s' }] },
      action: startWorkflow(echo, workflowId),
    });
    try {
      const d = await waitFor('two actions', async () => {
        const desc = await handle.describe();
        return desc.info.recentActions.length >= 2 ? desc : undefined;
      });
      const first = d.info.recentActions[0]!;
      expect(first.action.workflow.workflowId).toBe(
        `${workflowId}-${first.scheduledAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
      );
      const wf = suite.client.workflow.getHandle(first.action.workflow.workflowId);
      expect(await wf.result()).toBe('arg1');
      const info = await wf.describe();
      expect(info.searchAttributes['TemporalScheduledById']).toEqual([scheduleId]);
      expect((info.searchAttributes['TemporalScheduledStartTime'] as Date[])[0]!.getTime()).toBe(
        first.scheduledAt.getTime(),
      );
    } finally {
      await handle.delete();
    }
  });

  it('pause and unpause with notes, trigger immediately, update', async () => {
    const scheduleId = uniqueId('sched-pause');
    const workflowId = uniqueId('sched-pause-wf');
    const handle = await suite.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: startWorkflow(echo, workflowId),
      state: { paused: true },
    });
    try {
      await handle.unpause('back on');
      expect((await handle.describe()).state).toMatchObject({ paused: false, note: 'back on' });
      await handle.pause('maintenance');
      expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'maintenance' });
      await handle.trigger();
      const firstAction = await waitFor('the triggered action', async () => {
        const desc = await handle.describe();
        return desc.info.numActionsTaken === 1 ? desc.info.recentActions[0] : undefined;
      });
      // A second trigger in the same second reuses the workflow id, which Temporal refuses while the first runs.
      await suite.client.workflow.getHandle(firstAction.action.workflow.workflowId).result();
      await handle.update((prev) => ({ ...prev, action: { ...startWorkflow(echo, workflowId), args: ['arg2'] } }));
      const d = await handle.describe();
      expect(d.action.args).toEqual(['arg2']);
      expect(d.info.lastUpdatedAt).toBeInstanceOf(Date);
      await handle.trigger();
      const last = await waitFor('the second triggered action', async () => {
        const desc = await handle.describe();
        return desc.info.recentActions.length === 2 ? desc.info.recentActions[1] : undefined;
      });
      expect(await suite.client.workflow.getHandle(last.action.workflow.workflowId).result()).toBe('arg2');
    } finally {
      await handle.delete();
    }
  });

  it('backfill takes every matching time in the range, start included', async () => {
    const scheduleId = uniqueId('sched-backfill');
    const handle = await suite.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1m' }] },
      action: startWorkflow(echo, uniqueId('sched-backfill-wf')),
      state: { paused: true },
    });
    try {
      const start = new Date('2024-01-01T00:00:00Z');
      await handle.backfill({
        start,
        end: new Date('2024-01-01T00:02:00Z'),
        overlap: ScheduleOverlapPolicy.ALLOW_ALL,
      });
      const d = await waitFor('three backfilled actions', async () => {
        const desc = await handle.describe();
        return desc.info.numActionsTaken === 3 ? desc : undefined;
      });
      expect(d.info.recentActions.map((a) => a.scheduledAt.toISOString())).toEqual([
        '2024-01-01T00:00:00.000Z',
        '2024-01-01T00:01:00.000Z',
        '2024-01-01T00:02:00.000Z',
      ]);
    } finally {
      await handle.delete();
    }
  });

  it('overlap policies: SKIP skips, BUFFER_ONE waits for the running one, TERMINATE_OTHER ends it', async () => {
    const scheduleId = uniqueId('sched-overlap');
    const workflowId = uniqueId('sched-overlap-wf');
    const handle = await suite.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: startWorkflow(blocker, workflowId),
      state: { paused: true },
    });
    try {
      await handle.trigger(ScheduleOverlapPolicy.SKIP);
      const running = await waitFor('one running action', async () => {
        const desc = await handle.describe();
        return desc.info.runningActions[0];
      });
      await handle.trigger(ScheduleOverlapPolicy.SKIP);
      await waitFor(
        'a skipped action',
        async () => (await handle.describe()).info.numActionsSkippedOverlap === 1 || undefined,
      );

      await handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
      await handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
      await waitFor(
        'one more skipped',
        async () => (await handle.describe()).info.numActionsSkippedOverlap === 2 || undefined,
      );
      expect((await handle.describe()).info.numActionsTaken).toBe(1);
      await suite.client.workflow.getHandle(running.workflow.workflowId).signal('release');
      const second = await waitFor('the buffered action to start', async () => {
        const desc = await handle.describe();
        const r = desc.info.runningActions[0];
        // Triggers in the same second share a workflow id (its time part); the run is new.
        return desc.info.numActionsTaken === 2 &&
          r &&
          r.workflow.firstExecutionRunId !== running.workflow.firstExecutionRunId
          ? r
          : undefined;
      });

      await handle.trigger(ScheduleOverlapPolicy.TERMINATE_OTHER);
      await waitFor('the third action', async () => (await handle.describe()).info.numActionsTaken === 3 || undefined);
      const terminated = await suite.client.workflow
        .getHandle(second.workflow.workflowId, second.workflow.firstExecutionRunId)
        .describe();
      expect(terminated.status.name).toBe('TERMINATED');
    } finally {
      await handle.delete();
    }
  });

  it('pause on failure pauses the schedule with a note naming the failed workflow', async () => {
    const scheduleId = uniqueId('sched-pof');
    const handle = await suite.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: startWorkflow(failing, uniqueId('sched-pof-wf')),
      policies: { pauseOnFailure: true },
    });
    try {
      // trigger() defaults to ALLOW_ALL, whose runs a schedule does not track; SKIP's run is tracked.
      await handle.trigger(ScheduleOverlapPolicy.SKIP);
      const d = await waitFor('the schedule to pause', async () => {
        const desc = await handle.describe();
        return desc.state.paused ? desc : undefined;
      });
      expect(d.state.note).toMatch(/^paused due to workflow failure: .+: scheduled run failed$/);
    } finally {
      await handle.delete();
    }
  });

  it('list shows the schedule with its memo and filters by search attribute', async () => {
    const scheduleId = uniqueId('sched-list');
    const handle = await suite.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: startWorkflow(echo, uniqueId('sched-list-wf')),
      memo: { owner: 'ops' },
      state: { paused: true, note: 'listed' },
    });
    try {
      const found = await waitFor('the schedule in the list', async () => {
        for await (const s of suite.client.schedule.list({ query: 'TemporalSchedulePaused = true' }))
          if (s.scheduleId === scheduleId) return s;
        return undefined;
      });
      expect(found.memo).toEqual({ owner: 'ops' });
      expect(found.state).toEqual({ paused: true, note: 'listed' });
      expect(found.action).toEqual({ type: 'startWorkflow', workflowType: 'echo' });
    } finally {
      await handle.delete();
    }
  });

  it('DST: calendar times in a zone skip the missing hour and run both copies of the repeated one', async () => {
    const handle = await suite.client.schedule.create({
      scheduleId: uniqueId('sched-dst'),
      spec: {
        calendars: [{ hour: [1, 2], minute: 30 }],
        timezone: 'America/New_York',
        startAt: new Date('2030-03-09T00:00:00-05:00'),
        endAt: new Date('2030-03-11T12:00:00-04:00'),
      },
      action: startWorkflow(echo, uniqueId('sched-dst-wf')),
      state: { paused: true },
    });
    const fallBack = await suite.client.schedule.create({
      scheduleId: uniqueId('sched-dst-fall'),
      spec: {
        calendars: [{ hour: 1, minute: 30 }],
        timezone: 'America/New_York',
        startAt: new Date('2030-11-02T00:00:00-04:00'),
      },
      action: startWorkflow(echo, uniqueId('sched-dst-fall-wf')),
      state: { paused: true },
    });
    try {
      const spring = (await handle.describe()).info.nextActionTimes.map((t) => t.toISOString());
      // 2030-03-10: clocks jump from 02:00 EST to 03:00 EDT, so 02:30 does not exist that day.
      expect(spring).toEqual([
        '2030-03-09T06:30:00.000Z',
        '2030-03-09T07:30:00.000Z',
        '2030-03-10T06:30:00.000Z',
        '2030-03-11T05:30:00.000Z',
        '2030-03-11T06:30:00.000Z',
      ]);
      const fall = (await fallBack.describe()).info.nextActionTimes.slice(0, 4).map((t) => t.toISOString());
      // 2030-11-03: 01:00-02:00 happens twice (EDT, then EST).
      expect(fall).toEqual([
        '2030-11-02T05:30:00.000Z',
        '2030-11-03T05:30:00.000Z',
        '2030-11-03T06:30:00.000Z',
        '2030-11-04T06:30:00.000Z',
      ]);
    } finally {
      await handle.delete();
      await fallBack.delete();
    }
  });
});
