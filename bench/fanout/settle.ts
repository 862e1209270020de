// Memory after full garbage collections (as bench/worker-memory.ts takes it), for the campaign bench's checkpoints.
import v8 from 'node:v8';
import vm from 'node:vm';
import type { MemorySample } from './protocol';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

export async function settledMemory(): Promise<MemorySample> {
  for (let i = 0; i < 3; i += 1) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { kind: 'memory', at: Date.now(), rss, heapUsed };
}
