import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeName, historyEvents } from '../support/history';
import type { HistoryEvent } from '../support/history';
import { countTicks, doneSignal, tickSignal } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts') });
const { HistoryEventFilterType } = temporal.api.enums.v1;

describe('workflow history', () => {
  it('pages through a long history with maximumPageSize, ids contiguous from 1', async () => {
    const handle = await suite.client.workflow.start(countTicks, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('history-pages'),
    });
    for (let i = 0; i < 30; i++) await handle.signal(tickSignal);
    await handle.signal(doneSignal);
    expect(await handle.result()).toBe(30);

    const pageSize = 7;
    const paged: HistoryEvent[] = [];
    let pages = 0;
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await suite.client.connection.workflowService.getWorkflowExecutionHistory({
        namespace: suite.client.options.namespace,
        execution: { workflowId: handle.workflowId, runId: handle.firstExecutionRunId },
        maximumPageSize: pageSize,
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      const events = page.history?.events ?? [];
      expect(events.length).toBeLessThanOrEqual(pageSize);
      paged.push(...events);
      pages++;
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken && pages < 100);

    expect(pages).toBeGreaterThan(1);
    expect(paged.length).toBeGreaterThan(31);
    expect(paged.map((e) => Number(e.eventId))).toEqual(paged.map((_, i) => i + 1));
    expect(eventTypeName(paged[0]!)).toBe('WORKFLOW_EXECUTION_STARTED');
    expect(eventTypeName(paged.at(-1)!)).toBe('WORKFLOW_EXECUTION_COMPLETED');

    const whole = await historyEvents(handle);
    expect(whole.map((e) => Number(e.eventId))).toEqual(paged.map((e) => Number(e.eventId)));
    expect(whole.map(eventTypeName)).toEqual(paged.map(eventTypeName));
  });

  it('the close-event filter long-polls until the workflow closes and returns only the close event', async () => {
    const handle = await suite.client.workflow.start(countTicks, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('history-close-poll'),
    });
    let answered = false;
    const poll = suite.client.connection.workflowService
      .getWorkflowExecutionHistory({
        namespace: suite.client.options.namespace,
        execution: { workflowId: handle.workflowId },
        waitNewEvent: true,
        historyEventFilterType: HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
      })
      .finally(() => {
        answered = true;
      });
    await handle.signal(tickSignal);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(answered).toBe(false);
    await handle.signal(doneSignal);
    const response = await poll;
    const events = response.history?.events ?? [];
    expect(events).toHaveLength(1);
    expect(eventTypeName(events[0]!)).toBe('WORKFLOW_EXECUTION_COMPLETED');
  });
});
