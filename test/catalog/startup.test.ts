// A bad catalog stops start-up, naming the bad path, before anything is opened or started.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../api/logger';
import { startTact } from '../../api/start';
import { loadVersionedConfig } from '../../workers/config';

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

  it('refuses a catalog naming a journey this build does not run, naming it, and opens nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-unknown-journey-'));
    const file = path.join(dir, 'catalog.json');
    const catalog = JSON.parse(fs.readFileSync(path.join(__dirname, '../../catalog/default.json'), 'utf8')) as {
      journeys: unknown[];
    };
    catalog.journeys = [{ id: 'cart_abandonment' }, { id: 'cart_abandonmnet' }];
    fs.writeFileSync(file, JSON.stringify(catalog));
    const dataDir = path.join(dir, 'data');
    const lines: string[] = [];
    const started = startTact({
      env: { TACT_CATALOG: file, TACT_ROLE: 'api', TEMPORAL_ADDRESS: '127.0.0.1:1' },
      dataDir,
      port: 0,
      print: (line) => lines.push(line),
      logger: createLogger({ level: 'silent' }),
    });
    await expect(started).rejects.toThrow(`invalid catalog ${file}`);
    await expect(started).rejects.toThrow('journeys[1].id: no journey "cart_abandonmnet" in this build');
    expect(lines).toEqual([]);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('starts the worker role only with known journeys too (the worker reads the same catalog)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-known-journey-'));
    const file = path.join(dir, 'catalog.json');
    const catalog = JSON.parse(fs.readFileSync(path.join(__dirname, '../../catalog/default.json'), 'utf8')) as {
      journeys: unknown[];
    };
    catalog.journeys = [{ id: 'trial_expiry' }];
    fs.writeFileSync(file, JSON.stringify(catalog));
    expect(loadVersionedConfig({ TACT_CATALOG: file }).catalog.catalog.journeys).toEqual([{ id: 'trial_expiry' }]);
    catalog.journeys = [{ id: 'no_such_journey' }];
    fs.writeFileSync(file, JSON.stringify(catalog));
    expect(() => loadVersionedConfig({ TACT_CATALOG: file })).toThrow('journeys[0].id: no journey "no_such_journey"');
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
