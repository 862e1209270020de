// The one way tests wait for something to happen: Vitest's vi.waitFor, with the error naming what was awaited.
import { inspect } from 'node:util';
import { vi } from 'vitest';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than undefined, and returns it; fails after `timeoutMs` with `what`
 * and the probe's last error or answer (`describe` turns that answer into text, e.g. the last state seen).
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 15_000, intervalMs = 50, describe }: WaitOptions & { describe?: () => string } = {},
): Promise<T> {
  try {
    return await vi.waitFor(
      async () => {
        const value = await probe();
        if (value === undefined) throw new Error('not yet');
        return value;
      },
      { timeout: timeoutMs, interval: intervalMs },
    );
  } catch (err) {
    const last = describe?.() ?? (err instanceof Error ? err.message : inspect(err));
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`, { cause: err });
  }
}

/** Retries `check` (an assertion) until it passes; fails with its last failure after `timeoutMs`. */
export async function eventually(
  check: () => void | Promise<void>,
  { timeoutMs = 10_000, intervalMs = 100 }: WaitOptions = {},
): Promise<void> {
  await vi.waitFor(check, { timeout: timeoutMs, interval: intervalMs });
}
