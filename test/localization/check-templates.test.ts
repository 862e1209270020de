import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lintTemplates } from '../../localization/lint';
import { GENERIC_EN, writeTree } from './support';

const ROOT = join(__dirname, '..', '..');
const REPO_TEMPLATES = join(ROOT, 'templates');
const PRODUCT_TEMPLATES = [
  'login_new_device',
  'password_reset',
  'payment_failed',
  'subscription_renewed',
  'friend_joined',
  'comment_reply',
  'new_content',
  'streak_at_risk',
  'cart_abandoned',
  'promo_available',
  'generic_activity',
  // the example journeys' (journeys/examples)
  'cart_top_item',
  'onboarding_tip',
  'trial_connect_data',
  'trial_ending',
];
const LOCALES = ['en', 'de', 'fr', 'es', 'pt', 'pt-BR', 'ar', 'he', 'ja'];

const greeting = (overrides: Record<string, unknown> = {}) => ({
  title: 'Hello {name}',
  body: '{count, plural, one {# new message} other {# new messages}}',
  variables: { name: { type: 'text', fallback: 'there' }, count: { type: 'number', fallback: 1 } },
  ...overrides,
});

function errorsOf(files: Record<string, unknown>): string[] {
  const tree = writeTree({ ...GENERIC_EN, ...files });
  try {
    return lintTemplates(tree.dir).errors;
  } finally {
    tree.cleanup();
  }
}

describe('templates:check on the repository tree', () => {
  const report = lintTemplates(REPO_TEMPLATES);

  it('finds no problems', () => {
    expect(report.errors).toEqual([]);
  });

  it('covers every product trigger in every required locale', () => {
    expect(report.templates).toBe(PRODUCT_TEMPLATES.length);
    const missing = PRODUCT_TEMPLATES.flatMap((t) =>
      LOCALES.filter((l) => !existsSync(join(REPO_TEMPLATES, t, `${l}.json`))).map((l) => `${t}/${l}`),
    );
    expect(missing).toEqual([]);
    expect(report.files).toBe(PRODUCT_TEMPLATES.length * LOCALES.length);
  });
});

describe('templates:check detects broken templates', () => {
  it('accepts a well-formed tree (the baseline for the cases below)', () => {
    expect(
      errorsOf({ 'greeting/en.json': greeting(), 'greeting/de.json': greeting({ title: 'Hallo {name}' }) }),
    ).toEqual([]);
  });

  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'ICU syntax error',
      { 'greeting/en.json': greeting({ title: 'Hello {name' }) },
      /greeting\/en.json: title: does not parse/,
    ],
    [
      'plural without other',
      { 'greeting/en.json': greeting({ body: '{count, plural, one {# message}}' }) },
      /body: does not parse.*MISSING_OTHER_CLAUSE/,
    ],
    [
      'undeclared variable',
      { 'greeting/en.json': greeting({ title: 'Hi {nmae}' }) },
      /variable "nmae" is not declared/,
    ],
    [
      'variable without fallback or required',
      {
        'greeting/en.json': greeting({ variables: { name: { type: 'text' }, count: { type: 'number', fallback: 1 } } }),
      },
      /variables.name/,
    ],
    [
      'misspelt key',
      {
        'greeting/en.json': greeting({
          variables: { name: { type: 'text', fallbak: 'x' }, count: { type: 'number', fallback: 1 } },
        }),
      },
      /variables.name/,
    ],
    [
      'fallback of the wrong type',
      {
        'greeting/en.json': greeting({
          variables: { name: { type: 'text', fallback: 'x' }, count: { type: 'number', fallback: 'one' } },
        }),
      },
      /fallback does not suit a number variable/,
    ],
    [
      'text variable used as a plural',
      { 'greeting/en.json': greeting({ title: '{name, plural, one {x} other {y}}' }) },
      /text variable "name" cannot be used as plural/,
    ],
    [
      'quoting mistake that would leave a raw placeholder',
      { 'greeting/en.json': greeting(), 'greeting/fr.json': greeting({ title: "Bonjour l'{name}" }) },
      /greeting\/fr.json: title: contains a literal brace/,
    ],
    [
      'a locale dropping a variable',
      { 'greeting/en.json': greeting(), 'greeting/de.json': greeting({ title: 'Hallo' }) },
      /greeting\/de.json: does not use "name", which en uses/,
    ],
    [
      'a locale declaring another type',
      {
        'greeting/en.json': greeting(),
        'greeting/de.json': greeting({
          body: 'Neu: {count}',
          variables: { name: { type: 'text', fallback: 'du' }, count: { type: 'text', fallback: 'eins' } },
        }),
      },
      /variable "count" is declared (text here but number|number here but text) elsewhere/,
    ],
    [
      'title over its length limit',
      { 'greeting/en.json': greeting({ title: `Hello {name}, ${'very '.repeat(12)}long` }) },
      /title can reach \d+ graphemes, over its limit of 65/,
    ],
    [
      'text variable too long for the declared limit',
      {
        'greeting/en.json': greeting({
          variables: { name: { type: 'text', fallback: 'x', maxLength: 80 }, count: { type: 'number', fallback: 1 } },
        }),
      },
      /title can reach 86 graphemes/,
    ],
    ['invalid JSON', { 'greeting/en.json': '{ "title": "x", ' }, /greeting\/en.json: not valid JSON/],
    [
      'non-canonical locale file name',
      { 'greeting/en.json': greeting(), 'greeting/pt_BR.json': greeting() },
      /not a canonical BCP 47 locale/,
    ],
    ['missing default locale', { 'greeting/de.json': greeting() }, /greeting: no en.json/],
    ['missing body everywhere', { 'greeting/en.json': greeting({ body: undefined }) }, /greeting\/en.json: no body/],
    [
      'missing required variable sample renders (required datetime used as text)',
      {
        'greeting/en.json': greeting({
          title: 'At {when}',
          variables: { when: { type: 'datetime', required: true }, count: { type: 'number', fallback: 1 } },
        }),
      },
      /datetime variable "when" cannot be used as argument/,
    ],
  ];

  it.each(cases)('%s', (_name, files, expected) => {
    const errors = errorsOf(files);
    expect(errors.join('\n')).toMatch(expected);
  });

  it('warns about translation gaps and unreachable plural cases without failing', () => {
    const tree = writeTree({
      ...GENERIC_EN,
      'greeting/en.json': greeting({ body: '{count, plural, one {# message} few {# messages} other {# messages}}' }),
      'greeting/de.json': { title: 'Hallo {name}', variables: { name: { type: 'text', fallback: 'du' } } },
    });
    try {
      const report = lintTemplates(tree.dir);
      expect(report.errors).toEqual([]);
      expect(report.warnings).toContain('greeting/de.json: no body, falls back to en');
      expect(report.warnings.join('\n')).toMatch(/plural case "few" of "count" never applies in en/);
    } finally {
      tree.cleanup();
    }
  });
});

describe('npm run templates:check (the script)', () => {
  const broken = writeTree({ ...GENERIC_EN, 'greeting/en.json': greeting({ title: 'Hi {nmae}' }) });
  afterAll(broken.cleanup);
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'localization/check-templates.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });

  it('exits non-zero with a clear list of problems for a broken tree', () => {
    const result = run(broken.dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('templates:check found 1 problem(s)');
    expect(result.stderr).toContain('- greeting/en.json: title: variable "nmae" is not declared');
  });

  it('exits 0 on the repository templates', () => {
    const result = run();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/15 templates, 135 locale files OK/);
  });
});
