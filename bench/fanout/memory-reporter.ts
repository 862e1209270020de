// Preloaded (`--require`) into a process the campaign bench forks (bench/campaigns.ts): every SAMPLE_MS it sends the
// process's resident set and main-thread V8 heap to the bench over the IPC channel, and on a `settle` request one
// sample taken after full garbage collections (what the process retains, not what it has not collected yet). RSS
// includes the SDK's worker threads and native memory, which the heap figure does not show.
import type { MemorySample, SettleRequest } from './protocol';
import { settledMemory } from './settle';

const SAMPLE_MS = Number(process.env.TACT_BENCH_SAMPLE_MS ?? 2_000);

function send(message: MemorySample): void {
  if (process.connected) process.send?.(message);
}

function sample(): void {
  const { rss, heapUsed } = process.memoryUsage();
  send({ kind: 'memory', at: Date.now(), rss, heapUsed });
}

if (process.send !== undefined) {
  sample();
  setInterval(sample, SAMPLE_MS).unref();
  process.on('message', (message: SettleRequest) => {
    if (message.kind !== 'settle') return;
    void settledMemory().then((settled) => send({ ...settled, settled: message.tag }));
  });
}
