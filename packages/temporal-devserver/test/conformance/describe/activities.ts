import { heartbeat, sleep } from '@temporalio/activity';

const released = new Set<string>();

/** Test-side switch: lets the activity with this key return. */
export function release(key: string): void {
  released.add(key);
}

export async function blockUntilReleased(key: string): Promise<string> {
  heartbeat('started');
  while (!released.has(key)) await sleep(50);
  return `activity ${key} released`;
}
