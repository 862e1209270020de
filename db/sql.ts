// Small helpers shared by every repository: the query surface, transactions, time conversion and
// recognising PostgreSQL error codes.
import type pg from 'pg';
import type { EpochMs } from '../domain/types';
import { epochMsOfDate } from '../domain/units';

/** What a repository needs to run a statement: a pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * Runs `work` in one transaction on a dedicated client. Inside `work`, use only the given client:
 * in embedded mode the pool holds a single connection, so a `pool.query` there would wait forever.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: a server shutting down (57P01) while it is held would otherwise be an
  // unhandled 'error' event that ends the process. The statement in progress fails with it all the same.
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.removeListener('error', onError);
    // A broken connection is discarded rather than handed to the next request.
    client.release(broken);
  }
}

export function toDate(ms: EpochMs): Date {
  if (!Number.isFinite(ms)) throw new RangeError(`not a valid time: ${ms}`);
  return new Date(ms);
}

export function toEpochMs(value: Date): EpochMs {
  return epochMsOfDate(value);
}

export function optionalEpochMs(value: Date | null): EpochMs | undefined {
  return value === null ? undefined : epochMsOfDate(value);
}

const FOREIGN_KEY_VIOLATION = '23503';

export function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION;
}
