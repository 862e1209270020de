import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeName, historyEvents, type HistoryEvent } from '../support/history';
import * as activities from './activities';
import { cancelActivityThatCompletedDuringTask, cancelTimerThatFiredDuringTask, type RaceTimings } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts'), activities });

// Margins wide enough for a loaded 2-core machine: the held task starts ~100 ms in, the timer fires (or the
// activity completes) at 1 s, and the task stays open until ~2.1 s.
const timings: RaceTimings = { kickoffMs: 100, raceMs: 1000, holdTaskMs: 2000 };

function ms(event: HistoryEvent | undefined): number {
  const t = event?.eventTime;
  if (!t) throw new Error('event without eventTime');
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

function durationMs(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  return d ? Number(d.seconds ?? 0) * 1000 + Math.floor((d.nanos ?? 0) / 1e6) : undefined;
}

function only(events: HistoryEvent[], type: string): HistoryEvent {
  const found = events.filter((e) => eventTypeName(e) === type);
  expect(found, `exactly one ${type} event`).toHaveLength(1);
  return found[0]!;
}

describe('cancelling what completed while the cancelling workflow task was in flight', () => {
  it('CancelTimer for a timer that fired meanwhile drops the buffered TimerFired and records TimerCanceled', async () => {
    const handle = await suite.client.workflow.start(cancelTimerThatFiredDuringTask, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('timer-cancel-race'),
      args: [timings],
    });
    const result = await handle.result();
    const events = await historyEvents(handle);
    const types = events.map(eventTypeName);
    expect(types).not.toContain('WORKFLOW_TASK_FAILED');
    if (result === 'timer fired' && !types.includes('TIMER_CANCELED')) {
      throw new Error(
        'no race: the timer fired before the held workflow task started (machine too slow for the margins)',
      );
    }
    expect(result).toBe('timer canceled');
    const started = events.find(
      (e) => durationMs(e.timerStartedEventAttributes?.startToFireTimeout) === timings.raceMs,
    );
    expect(started, 'TimerStarted of the race timer').toBeDefined();
    const canceled = only(events, 'TIMER_CANCELED');
    expect(Number(canceled.timerCanceledEventAttributes?.startedEventId)).toBe(Number(started!.eventId));
    // The race really happened: the cancel was recorded after the timer was due.
    expect(ms(canceled) - ms(started)).toBeGreaterThanOrEqual(timings.raceMs);
    const firedIds = events
      .filter((e) => eventTypeName(e) === 'TIMER_FIRED')
      .map((e) => e.timerFiredEventAttributes?.timerId);
    expect(firedIds).not.toContain(canceled.timerCanceledEventAttributes?.timerId);
    // The close is accepted in the same task as the cancel: nothing else was buffered.
    expect(types.slice(types.indexOf('TIMER_CANCELED'))).toEqual(['TIMER_CANCELED', 'WORKFLOW_EXECUTION_COMPLETED']);
  });

  it('RequestCancelActivityTask for an activity that completed meanwhile is recorded and the completion delivered', async () => {
    const handle = await suite.client.workflow.start(cancelActivityThatCompletedDuringTask, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('activity-cancel-race'),
      args: [timings],
    });
    const result = await handle.result();
    const events = await historyEvents(handle);
    const types = events.map(eventTypeName);
    expect(types).not.toContain('WORKFLOW_TASK_FAILED');
    if (!types.includes('ACTIVITY_TASK_CANCEL_REQUESTED')) {
      throw new Error('no race: the activity completed before the held workflow task started (machine too slow)');
    }
    expect(result).toBe(`paused ${timings.raceMs} ms`);
    const requested = only(events, 'ACTIVITY_TASK_CANCEL_REQUESTED');
    const completed = only(events, 'ACTIVITY_TASK_COMPLETED');
    // The completion happened first but was buffered, so it is written after the cancel request.
    expect(Number(completed.eventId)).toBeGreaterThan(Number(requested.eventId));
    expect(
      types.slice(types.indexOf('ACTIVITY_TASK_CANCEL_REQUESTED'), types.indexOf('ACTIVITY_TASK_COMPLETED') + 1),
    ).toEqual(['ACTIVITY_TASK_CANCEL_REQUESTED', 'ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_COMPLETED']);
    expect(types).not.toContain('ACTIVITY_TASK_CANCELED');
  });
});
