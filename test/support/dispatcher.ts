// The ingestion dispatcher (workers/dispatcher/) of a test stack: what the API queues reaches the workflows through it,
// as in production. Polls quickly and retries soon, so tests wait little.
import type pg from 'pg';
import { versionedPreferences } from '../../activities/runtime';
import { IngestQueueRepository } from '../../db/ingest-queue';
import { UserRepository } from '../../db/users';
import { createDispatcher, type Dispatcher } from '../../workers/dispatcher/dispatcher';
import type { UserSignals } from '../../workers/dispatcher/signals';

export function startTestDispatcher(pool: pg.Pool, signals: UserSignals): Dispatcher {
  return createDispatcher({
    queue: new IngestQueueRepository(pool),
    settings: { users: new UserRepository(pool), preferences: versionedPreferences(pool) },
    signals,
    pollMs: 50,
    retryInitialMs: 200,
    retryMaxMs: 2_000,
  });
}
