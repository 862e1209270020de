// /readyz is public: it answers a bare component status and never the failure's text (host names, driver and
// gRPC messages), which goes to the server log instead.
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../api/logger';
import { useScriptedApi } from './scripted-workflows';

const logLines: string[] = [];
const unreachablePool = new pg.Pool({ host: '127.0.0.1', port: 1, user: 'postgres', connectionTimeoutMillis: 1_000 });
const api = useScriptedApi({
  pool: unreachablePool,
  logger: createLogger({
    level: 'warn',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  }),
});

afterAll(() => unreachablePool.end());

describe('GET /readyz', () => {
  it('names the components that are down without echoing their errors, and logs the errors', async () => {
    api().workflows.down = true;
    const ready = await api().call('GET', '/readyz', { key: null });
    api().workflows.down = false;
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    expect(ready.body).toEqual({ status: 'unavailable', checks: { database: 'unavailable', temporal: 'unavailable' } });
    const text = JSON.stringify(ready.body);
    expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|secret-host|7233/);
    const logged = logLines.join('');
    expect(logged).toContain('"component":"database"');
    expect(logged).toContain('"component":"temporal"');
    expect(logged).toContain('ECONNREFUSED');
  });
});
