// The catalog: the default one is today's defaults, a deployment's is validated naming the bad path, versions hash
// content, and trigger conditions read event properties and user attributes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, loadCatalog, versionedConfig } from '../../catalog/load';
import { CatalogError } from '../../domain/catalog-schema';
import { DEFAULT_POLICY } from '../../domain/config';
import { DEFAULT_TRIGGERS, matchEvent, propertiesUsedBy, screenEvent } from '../../domain/triggers';
import type { UserEvent } from '../../domain/types';
import { utc } from '../support/instants';

const NOW = utc(2026, 2, 2, 12);

function writeCatalog(document: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tact-catalog-'));
  const file = path.join(dir, 'catalog.json');
  writeFileSync(file, JSON.stringify(document));
  return file;
}

const promoFlash = {
  categories: {
    security: { class: 'critical', channels: ['push'], weeklyCap: null, ttl: '15m', sensitive: true },
    promo_flash: { class: 'promotional', channels: ['push'], weeklyCap: 1, ttl: '6h' },
  },
  triggers: [
    {
      id: 'big_cart',
      eventType: 'cart_updated',
      conditions: { event: { cartValue: { gte: 50 } }, user: { plan: { ne: 'blocked' } } },
      category: 'promo_flash',
      template: 'cart_abandoned',
      businessValue: 0.6,
      variables: { item_count: 'itemCount' },
      dedupeKeyFrom: 'cartId',
    },
  ],
};

function cartEvent(properties: UserEvent['properties']): UserEvent {
  return { id: 'e1', userId: 'u1', type: 'cart_updated', occurredAt: NOW, properties };
}

describe('the default catalog', () => {
  it('is today’s defaults: the categories of DEFAULT_POLICY and the rules of DEFAULT_TRIGGERS', () => {
    const { catalog } = loadCatalog(undefined);
    expect(catalog.categories).toEqual(DEFAULT_POLICY.categories);
    expect(catalog.triggers).toEqual(DEFAULT_TRIGGERS);
    expect(catalog.journeys).toEqual([]);
    expect(catalog.experiments).toEqual([]);
    expect(catalog.templates.streak_at_risk?.variables.streak_days).toEqual({ required: true });
    // Plus the global holdout, 5 % unless the catalog says otherwise (docs/measurement.md).
    expect(catalog.holdout).toEqual({ percent: 5 });
    expect(versionedConfig(catalog).policy).toEqual({ ...DEFAULT_POLICY, holdout: { percent: 5 } });
  });
});

describe('a deployment catalog', () => {
  it('loads from a file or its directory, with a new category and a conditional rule', () => {
    const file = writeCatalog(promoFlash);
    const byFile = loadCatalog(file);
    const byDir = loadCatalog(path.dirname(file));
    expect(byDir.catalog).toEqual(byFile.catalog);
    expect(byFile.catalog.categories.promo_flash).toEqual({
      priorityClass: 'promotional',
      channels: ['push'],
      weeklyCap: 1,
      ttlMs: 6 * 3_600_000,
      sensitive: false,
      collapsible: true,
    });
  });

  it.each([
    [
      { ...promoFlash, categories: { promo: { class: 'promotional', channels: ['push'], weeklyCap: -1, ttl: '1d' } } },
      'categories.promo.weeklyCap: must be ≥ 0',
    ],
    [
      { categories: { promo: { class: 'loud', channels: ['push'], weeklyCap: 1, ttl: '1d' } } },
      'categories.promo.class: must be one of critical, transactional, normal, promotional',
    ],
    [
      { categories: { promo: { class: 'normal', channels: ['pigeon'], weeklyCap: 1, ttl: '1d' } } },
      'categories.promo.channels.0: must be one of push, email, sms',
    ],
    [
      { categories: { promo: { class: 'normal', channels: ['push'], weeklyCap: 1, ttl: 'soon' } } },
      'categories.promo.ttl',
    ],
    [
      { ...promoFlash, triggers: [{ ...promoFlash.triggers[0], category: 'nope' }] },
      'triggers.0.category: "nope" is not a category of this catalog',
    ],
    [
      { ...promoFlash, triggers: [{ ...promoFlash.triggers[0], template: 'nope' }] },
      'triggers.0.template: no template "nope" in the template tree',
    ],
    [
      { ...promoFlash, triggers: [{ ...promoFlash.triggers[0], variables: { itemz: 'x' } }] },
      'triggers.0.variables.itemz: template "cart_abandoned" declares no such variable',
    ],
    [
      { ...promoFlash, triggers: [{ ...promoFlash.triggers[0], conditions: { event: { cartValue: {} } } }] },
      'triggers.0.conditions.event.cartValue: must have at least one operator',
    ],
    [{ ...promoFlash, surprise: true }, 'Unrecognized key: "surprise"'],
  ])('refuses a bad catalog, naming the path (%#)', (document, message) => {
    const file = writeCatalog(document);
    let error: unknown;
    try {
      loadCatalog(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).problems.join('\n')).toContain(message);
    expect((error as Error).message).toContain(`TACT_CATALOG=${file}`);
  });

  it('names a missing file', () => {
    expect(() => loadCatalog('/nonexistent/catalog.json')).toThrow(/does not exist/);
  });
});

describe('versions', () => {
  it('hash the content: key order does not matter, a cap or a policy override does', () => {
    const a = versionedConfig(loadCatalog(writeCatalog(promoFlash)).catalog);
    const reordered = { triggers: promoFlash.triggers, categories: promoFlash.categories };
    const b = versionedConfig(loadCatalog(writeCatalog(reordered)).catalog);
    expect(b.id).toBe(a.id);
    expect(a.id).toMatch(/^[0-9a-f]{16}$/);
    const capped = structuredClone(promoFlash);
    capped.categories.promo_flash.weeklyCap = 2;
    expect(versionedConfig(loadCatalog(writeCatalog(capped)).catalog).id).not.toBe(a.id);
    expect(versionedConfig(loadCatalog(writeCatalog(promoFlash)).catalog, { dailyCap: 2 }).id).not.toBe(a.id);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});

describe('conditional rules', () => {
  const { catalog } = loadCatalog(writeCatalog(promoFlash));
  const config = versionedConfig(catalog).policy;

  it('match on event properties and user attributes', () => {
    const pro = { plan: 'pro' };
    const big = matchEvent(
      cartEvent({ cartValue: 80, itemCount: 3, cartId: 'c9' }),
      catalog.triggers,
      NOW,
      config,
      pro,
    );
    expect(big.rules).toEqual(['big_cart']);
    expect(big.candidates).toEqual([
      expect.objectContaining({
        id: 'e1:0',
        category: 'promo_flash',
        template: 'cart_abandoned',
        variables: { item_count: 3 },
        dedupeKey: 'cart_abandoned:c9',
        expiresAt: NOW + 6 * 3_600_000,
        source: 'event',
        sourceId: 'e1',
      }),
    ]);
    expect(matchEvent(cartEvent({ cartValue: 49.99 }), catalog.triggers, NOW, config, pro).rules).toEqual([]);
    expect(matchEvent(cartEvent({ cartValue: '80' }), catalog.triggers, NOW, config, pro).rules).toEqual([]);
    expect(matchEvent(cartEvent({}), catalog.triggers, NOW, config, pro).rules).toEqual([]);
    // A missing attribute fails every test but `exists: false`.
    expect(matchEvent(cartEvent({ cartValue: 80 }), catalog.triggers, NOW, config, {}).rules).toEqual([]);
    expect(matchEvent(cartEvent({ cartValue: 80 }), catalog.triggers, NOW, config, { plan: 'blocked' }).rules).toEqual(
      [],
    );
  });

  it('screen an event down to the properties some rule reads', () => {
    expect([...propertiesUsedBy(catalog.triggers, 'cart_updated')].sort()).toEqual([
      'cartId',
      'cartValue',
      'itemCount',
    ]);
    const screened = screenEvent(cartEvent({ cartValue: 80, email: 'a@b.example', itemCount: 1 }), catalog.triggers);
    expect(screened.properties).toEqual({ cartValue: 80, itemCount: 1 });
  });
});
