import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineSuite, uniqueId } from '../support/suite';
import { waitFor } from '../../support/wait';
import { napThenWake, sleepDays, wokenQuery } from './workflows';

const suite = defineSuite({ mode: 'time-skipping', workflowsPath: path.join(__dirname, 'workflows.ts') });

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

describe('time skipping', () => {
  it('the environment reports time skipping support', () => {
    expect(suite.env.supportsTimeSkipping).toBe(true);
  });

  it('a workflow sleeping 30 days completes at once, and its Date.now() sees the skipped time', async () => {
    const serverBefore = await suite.env.currentTimeMs();
    const { before, after } = await suite.client.workflow.execute(sleepDays, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('sleep-30-days'),
      args: [30],
    });
    expect(after - before).toBeGreaterThanOrEqual(30 * DAY);
    expect(before).toBeGreaterThanOrEqual(serverBefore - 1_000);
    expect(await suite.env.currentTimeMs()).toBeGreaterThanOrEqual(serverBefore + 30 * DAY);
  });

  it('env.sleep advances the server clock and fires due timers', async () => {
    const startedAt = await suite.env.currentTimeMs();
    const handle = await suite.client.workflow.start(napThenWake, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('env-sleep'),
      args: [HOUR],
    });
    expect(await handle.query(wokenQuery)).toBe(false);
    const beforeSleep = await suite.env.currentTimeMs();
    await suite.env.sleep(2 * HOUR);
    expect(await suite.env.currentTimeMs()).toBeGreaterThanOrEqual(beforeSleep + 2 * HOUR);
    await waitFor('the one-hour timer to fire during env.sleep', async () =>
      (await handle.query(wokenQuery)) ? true : undefined,
    );
    const wokeAt = await handle.result();
    expect(wokeAt).toBeGreaterThanOrEqual(startedAt + HOUR);
  });

  it('while no result is awaited (time locked) a timer does not fire on its own', async () => {
    const before = await suite.env.currentTimeMs();
    const handle = await suite.client.workflow.start(napThenWake, {
      taskQueue: suite.taskQueue,
      workflowId: uniqueId('locked'),
      args: [10 * DAY],
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await handle.query(wokenQuery)).toBe(false);
    expect(await suite.env.currentTimeMs()).toBeLessThan(before + DAY);
    const wokeAt = await handle.result();
    expect(wokeAt).toBeGreaterThanOrEqual(before + 10 * DAY);
  });
});
