// Messages between the campaign bench (bench/campaigns.ts) and the processes it forks (bench/fanout/).

/** Sent by every forked process every few seconds (memory-reporter.ts). */
export interface MemorySample {
  kind: 'memory';
  /** Epoch ms on the sender's clock (same machine). */
  at: number;
  rss: number;
  heapUsed: number;
  /** Set on the answer to a `settle` request: taken right after full garbage collections. */
  settled?: string;
}

/** Bench → any forked process: collect garbage fully, then send one sample tagged `tag`. */
export interface SettleRequest {
  kind: 'settle';
  tag: string;
}

/** Bench → worker: signal-with-start `count` new user workflows from this process, `concurrency` at once. */
export interface BaselineRequest {
  kind: 'baseline';
  prefix: string;
  count: number;
  concurrency: number;
}

export type ToWorker = BaselineRequest | SettleRequest | { kind: 'signal-time' } | { kind: 'stop' };

export type FromWorker =
  | MemorySample
  | { kind: 'ready' }
  | { kind: 'baseline-done'; seconds: number }
  /** Wall time the activities had at least one hand-over signal in flight, since the worker started. */
  | { kind: 'signal-time'; seconds: number; signals: number };

/** Settings the worker process reads from its environment. */
export const WORKER_ENV = {
  address: 'TACT_BENCH_TEMPORAL_ADDRESS',
  databaseUrl: 'TACT_BENCH_DATABASE_URL',
  campaignQueue: 'TACT_BENCH_CAMPAIGN_QUEUE',
  userQueue: 'TACT_BENCH_USER_QUEUE',
  concurrency: 'TACT_BENCH_CONCURRENCY',
} as const;
