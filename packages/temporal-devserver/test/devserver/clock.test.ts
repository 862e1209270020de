// The dev server's one clock: timer order, cancellation, and time skipping when unlocked and idle.
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { Clock } from '../../src/clock';

const clocks: Clock[] = [];
function newClock(timeSkipping = false, idle = () => true): Clock {
  const clock = new Clock(timeSkipping, idle, (err) => {
    throw err;
  });
  clocks.push(clock);
  return clock;
}

afterEach(() => {
  for (const clock of clocks.splice(0)) clock.stop();
});

describe('Clock', () => {
  it('fires timers by due time, then by creation order', async () => {
    const clock = newClock();
    const fired: string[] = [];
    const base = clock.now() + 20;
    clock.at(base + 10, () => fired.push('late'));
    clock.at(base, () => fired.push('first'));
    clock.at(base, () => fired.push('second'));
    clock.after(0, () => fired.push('now'));
    await sleep(60);
    expect(fired).toEqual(['now', 'first', 'second', 'late']);
  });

  it('never fires a cancelled timer and keeps the others due at the same time', async () => {
    const clock = newClock();
    const fired: number[] = [];
    const at = clock.now() + 15;
    const timers = [0, 1, 2, 3].map((i) => clock.at(at, () => fired.push(i)));
    timers[1]!.cancel();
    timers[3]!.cancel();
    timers[3]!.cancel(); // twice is harmless
    await sleep(50);
    expect(fired).toEqual([0, 2]);
    timers[0]!.cancel(); // after firing is harmless
  });

  it('releases a cancelled timer at once instead of holding what it captured until its due time', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const clock = newClock();
    let captured: { payload: number[] } | undefined = { payload: new Array<number>(1000).fill(1) };
    const ref = new WeakRef(captured);
    const timer = (() => {
      const held = captured;
      return clock.after(3_600_000, () => held.payload.push(0));
    })();
    captured = undefined;
    timer.cancel();
    await sleep(0);
    gc();
    expect(ref.deref()).toBeUndefined();
  });

  it('lets a firing timer cancel a later one due at the same time', async () => {
    const clock = newClock();
    const fired: string[] = [];
    const at = clock.now() + 10;
    const holder: { second?: { cancel(): void } } = {};
    clock.at(at, () => {
      fired.push('first');
      holder.second!.cancel();
    });
    holder.second = clock.at(at, () => fired.push('second'));
    await sleep(40);
    expect(fired).toEqual(['first']);
  });

  it('with time skipping, jumps to the next timer only when unlocked and idle', async () => {
    let idle = false;
    const clock = newClock(true, () => idle);
    const start = clock.now();
    let fired = false;
    clock.after(3_600_000, () => (fired = true));
    clock.unlock(); // starts locked once
    await sleep(20);
    expect(fired).toBe(false); // busy
    idle = true;
    clock.lock();
    clock.unlock();
    await sleep(20);
    expect(fired).toBe(true);
    expect(clock.now() - start).toBeGreaterThanOrEqual(3_600_000);
  });
});
