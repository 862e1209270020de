// A bad catalog stops start-up, naming the bad path, before anything is opened or started.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../api/logger';
import { startTact } from '../../api/start';

describe('start-up with a deployment catalog', () => {
  it('refuses a bad catalog, naming the path, and opens nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-bad-catalog-'));
    const file = path.join(dir, 'catalog.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        categories: { promo: { class: 'promotional', channels: ['push'], weeklyCap: -1, ttl: '1d' } },
        triggers: [{ id: 'r', eventType: 'x', category: 'promo', template: 'no_such_template', businessValue: 0.5 }],
      }),
    );
    const dataDir = path.join(dir, 'data');
    const lines: string[] = [];
    const started = startTact({
      env: { TACT_CATALOG: file, TACT_ROLE: 'api', TEMPORAL_ADDRESS: '127.0.0.1:1' },
      dataDir,
      port: 0,
      print: (line) => lines.push(line),
      logger: createLogger({ level: 'silent' }),
    });
    await expect(started).rejects.toThrow(`invalid catalog TACT_CATALOG=${file}`);
    await expect(started).rejects.toThrow('categories.promo.weeklyCap: must be ≥ 0');
    expect(lines).toEqual([]);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('refuses TACT_POLICY overrides that break the catalog’s categories, naming them', async () => {
    const started = startTact({
      env: {
        TACT_POLICY: '{"categories":{"marketing":{"weeklyCap":-2}}}',
        TACT_ROLE: 'api',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
      },
      dataDir: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tact-bad-policy-')), 'data'),
      port: 0,
      print: () => undefined,
      logger: createLogger({ level: 'silent' }),
    });
    await expect(started).rejects.toThrow(/categories\.marketing\.weeklyCap/);
  });
});
