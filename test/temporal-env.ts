// Workflow tests get their Temporal server from the devserver package's test helper (auto, temporal or bundled);
// this adds the product's rule that a time-skipping test never sees the real date.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  createTestEnv as createServerEnv,
  type TestEnvOptions as ServerEnvOptions,
} from '@tact/temporal-devserver/testing';

export * from '@tact/temporal-devserver/testing';

export interface TestEnvOptions extends ServerEnvOptions {
  /**
   * Time-skipping only: the instant (epoch ms) the server's clock is moved to before the environment is returned,
   * so a test does not depend on the real date (test/support/test-clock.ts has the shared one). It must lie ahead
   * of the real clock, since time skipping only moves forward.
   */
  startAt?: number;
}

export async function createTestEnv(opts: TestEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  const { startAt, ...serverOptions } = opts;
  const env = await createServerEnv(serverOptions);
  if (startAt !== undefined) {
    try {
      await moveClockTo(env, startAt);
    } catch (err) {
      await env.teardown();
      throw err;
    }
  }
  return env;
}

async function moveClockTo(env: TestWorkflowEnvironment, startAt: number): Promise<void> {
  if (!env.supportsTimeSkipping) throw new Error('createTestEnv: startAt needs the time-skipping mode');
  const now = await env.currentTimeMs();
  if (startAt < now) {
    throw new Error(
      `createTestEnv: startAt ${new Date(startAt).toISOString()} is before the server's clock (${new Date(now).toISOString()}); time skipping only moves forward`,
    );
  }
  await env.sleep(startAt - now);
}
