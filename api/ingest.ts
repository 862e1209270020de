// The API's side of durable-first ingestion (docs/ingestion.md): the dispatcher's lag, read at most once a second
// and shared by /metrics, /readyz and the back-pressure check, and the wake-up of a dispatcher in the same process.
import { Gauge, type Registry } from 'prom-client';
import type { IngestLag, IngestQueueRepository } from '../db/ingest-queue';
import type { EpochMs } from '../domain/types';
import { HttpProblem } from './problem';

export interface IngestControl {
  /** The dispatcher's backlog, at most `refreshMs` old. */
  lag(): Promise<IngestLag>;
  /** Called after accepted work was queued (a dispatcher in this process starts at once); none across processes. */
  accepted(): void;
  /** Undelivered rows beyond which new work is refused with 503 before anything is written; 0: no limit. */
  maxBacklog: number;
}

export function createIngestControl(options: {
  queue: IngestQueueRepository;
  now: () => EpochMs;
  maxBacklog?: number;
  refreshMs?: number;
  onAccepted?: () => void;
}): IngestControl {
  const refreshMs = options.refreshMs ?? 1_000;
  let last: { at: EpochMs; lag: IngestLag } | undefined;
  let reading: Promise<IngestLag> | undefined;
  return {
    maxBacklog: options.maxBacklog ?? 0,
    accepted: () => options.onAccepted?.(),
    async lag() {
      const now = options.now();
      if (last !== undefined && now - last.at < refreshMs) {
        return { ...last.lag, oldestAgeMs: last.lag.oldestAgeMs === 0 ? 0 : last.lag.oldestAgeMs + (now - last.at) };
      }
      reading ??= options.queue
        .lag(now)
        .then((lag) => {
          last = { at: now, lag };
          return lag;
        })
        .finally(() => {
          reading = undefined;
        });
      return reading;
    },
  };
}

/** Refuses new work while the backlog is over the limit: nothing is written, the client retries later. */
export async function assertRoomForWork(control: IngestControl | undefined, retryAfterSeconds: number): Promise<void> {
  if (control === undefined || control.maxBacklog === 0) return;
  const { undelivered } = await control.lag();
  if (undelivered >= control.maxBacklog) {
    throw new HttpProblem(
      503,
      'ingestion-backlog',
      `${undelivered} accepted items wait for their workflows; nothing was written: retry with the same ids`,
      { retryAfterSeconds },
    );
  }
}

/** The dispatcher's lag for Prometheus: read when scraped (through the one-second cache). */
export function registerIngestMetrics(registry: Registry, control: IngestControl): void {
  new Gauge({
    name: 'tact_ingest_undelivered',
    help: 'Accepted items (events, candidates, queued settings) not yet handed to their user workflow.',
    registers: [registry],
    async collect() {
      this.set((await control.lag()).undelivered);
    },
  });
  new Gauge({
    name: 'tact_ingest_oldest_undelivered_seconds',
    help: 'Age of the oldest accepted item not yet handed to its user workflow (0 when none): the dispatcher lag.',
    registers: [registry],
    async collect() {
      this.set((await control.lag()).oldestAgeMs / 1000);
    },
  });
}
