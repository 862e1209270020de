import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineSuite, uniqueId } from '../support/suite';
import { eventTypeName, historyEvents } from '../support/history';
import * as activities from './activities';
import { useLocalActivities } from './workflows';

const suite = defineSuite({ mode: 'local', workflowsPath: path.join(__dirname, 'workflows.ts'), activities });

describe('local activities', () => {
  it('run in the worker, retry there, and are recorded as markers, not activity tasks', async () => {
    const handle = await suite.client.workflow.start(useLocalActivities, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('local-activities'),
      args: ['quiet'],
    });
    expect(await handle.result()).toEqual({ shouted: 'QUIET', attempt: 3 });

    const events = await historyEvents(handle);
    const types = events.map(eventTypeName);
    expect(types.filter((t) => t.startsWith('ACTIVITY_TASK'))).toEqual([]);
    const markers = events.filter((e) => eventTypeName(e) === 'MARKER_RECORDED');
    expect(markers).toHaveLength(2);
    for (const marker of markers) {
      expect(marker.markerRecordedEventAttributes?.markerName).toBe('core_local_activity');
    }
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });
});
