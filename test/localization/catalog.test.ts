import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  createTemplateCatalog,
  fallbackChain,
  renderNotification,
  TemplateCatalogError,
  textDirection,
  type TemplateDocument,
} from '../../localization';
import { GENERIC_EN, input, writeTree } from './support';

describe('locale chain and direction', () => {
  it('builds RFC 4647 lookup chains ending in the default locale', () => {
    expect(fallbackChain('pt-BR')).toEqual(['pt-BR', 'pt', 'en']);
    expect(fallbackChain('pt_br')).toEqual(['pt-BR', 'pt', 'en']);
    expect(fallbackChain('zh-Hant-TW')).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh', 'en']);
    expect(fallbackChain('en-US-u-ca-buddhist')).toEqual(['en-US', 'en']);
    expect(fallbackChain('iw-IL')).toEqual(['he-IL', 'he', 'en']);
    expect(fallbackChain('!!')).toEqual(['en']);
    expect(fallbackChain('de', 'fr')).toEqual(['de', 'fr']);
  });

  it('marks ar, he, fa, ur as rtl and honours script subtags', () => {
    for (const l of ['ar', 'ar-EG', 'he', 'fa', 'ur', 'az-Arab']) expect(textDirection(l), l).toBe('rtl');
    for (const l of ['en', 'ja', 'de', 'pt-BR', 'ku-Latn']) expect(textDirection(l), l).toBe('ltr');
  });
});

describe('catalog loading', () => {
  it('throws TemplateCatalogError listing every problem of a broken tree', () => {
    const tree = writeTree({
      ...GENERIC_EN,
      'bad/en.json': { title: 'Hi {name', body: 'x' },
      'worse/en.json': { title: 'Hi {who}', body: 'x' },
    });
    try {
      expect(() => createTemplateCatalog({ dir: tree.dir })).toThrow(TemplateCatalogError);
      try {
        createTemplateCatalog({ dir: tree.dir });
      } catch (error) {
        const problems = (error as TemplateCatalogError).problems;
        expect(problems.some((p) => p.startsWith('bad/en.json: title: does not parse'))).toBe(true);
        expect(problems).toContain('worse/en.json: title: variable "who" is not declared');
      }
    } finally {
      tree.cleanup();
    }
  });

  it('requires the lock-screen-safe template', () => {
    const tree = writeTree({ 'hello/en.json': { title: 'Hi', body: 'there' } });
    try {
      expect(() => createTemplateCatalog({ dir: tree.dir })).toThrow(/generic_activity\/en.json: missing/);
    } finally {
      tree.cleanup();
    }
  });
});

describe('database overrides', () => {
  const tree = writeTree({
    ...GENERIC_EN,
    'hello/en.json': {
      title: 'Hi {name}',
      body: 'Welcome back',
      variables: { name: { type: 'text', fallback: 'there' } },
    },
    'hello/de.json': {
      title: 'Hallo {name}',
      body: 'Willkommen zurück',
      variables: { name: { type: 'text', fallback: 'du' } },
    },
  });
  afterAll(tree.cleanup);

  function catalogWith(overrides: Record<string, TemplateDocument>, onOverrideRejected = vi.fn()) {
    return {
      onOverrideRejected,
      catalog: createTemplateCatalog({
        dir: tree.dir,
        overrides: { get: (template, locale) => overrides[`${template}/${locale}`] },
        onOverrideRejected,
      }),
    };
  }

  it('layers an override field by field over the repository file', () => {
    const { catalog } = catalogWith({ 'hello/en': { title: 'Hey {name}!' } });
    const r = renderNotification(input('hello', { name: 'Sam' }, 'en'), catalog);
    expect(r).toMatchObject({ kind: 'ok', title: 'Hey Sam!', body: 'Welcome back' });
    expect(renderNotification(input('hello', {}, 'de'), catalog)).toMatchObject({ title: 'Hallo du' });
  });

  it('can add a locale the repository lacks', () => {
    const { catalog } = catalogWith({ 'hello/it': { title: 'Ciao {name}', body: 'Bentornato' } });
    expect(renderNotification(input('hello', {}, 'it-IT'), catalog)).toMatchObject({
      title: 'Ciao there', // fallback declared in en, the next step of the chain
      body: 'Bentornato',
      locale: 'it',
    });
  });

  it('ignores an invalid override (bad ICU, quoting mistake, undeclared variable, bad schema) and reports it once', () => {
    const bad: Record<string, TemplateDocument> = {
      'hello/en': { title: 'Hey {name' },
      'hello/de': { title: "Hallo '{name}'" },
      'hello/fr': { title: 'Salut {prenom}', body: 'x' },
      'hello/es': { title: 42 } as unknown as TemplateDocument,
    };
    const { catalog, onOverrideRejected } = catalogWith(bad);
    for (let i = 0; i < 2; i++) {
      expect(renderNotification(input('hello', { name: 'Sam' }, 'en'), catalog)).toMatchObject({ title: 'Hi Sam' });
      expect(renderNotification(input('hello', { name: 'Sam' }, 'de'), catalog)).toMatchObject({ title: 'Hallo Sam' });
      expect(renderNotification(input('hello', { name: 'Sam' }, 'fr'), catalog)).toMatchObject({ title: 'Hi Sam' });
      expect(renderNotification(input('hello', { name: 'Sam' }, 'es'), catalog)).toMatchObject({ title: 'Hi Sam' });
    }
    expect(onOverrideRejected).toHaveBeenCalledTimes(4);
    const calls = onOverrideRejected.mock.calls.map(([t, l, problems]) => `${t}/${l}: ${problems.join('; ')}`);
    expect(calls.find((c) => c.startsWith('hello/de'))).toMatch(/literal brace/);
    expect(calls.find((c) => c.startsWith('hello/fr'))).toMatch(/"prenom" is not declared/);
  });
});
