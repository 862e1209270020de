// The import-layer rules in eslint.config.mjs, proved: each fixture in test/fixtures/lint-boundaries names the
// path it pretends to live at (`// lint-as:`) and the error it must raise (`// expect:`), or `none` for an
// import the layers allow (so a rule that forbids everything fails too). The normal lint run ignores fixtures.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/lint-boundaries');

interface Fixture {
  name: string;
  source: string;
  lintAs: string;
  expected: string | null;
}

function header(source: string, key: string, name: string): string {
  const value = new RegExp(`^// ${key}: (.+)$`, 'm').exec(source)?.[1];
  if (value === undefined) throw new Error(`fixture ${name} has no "// ${key}:" line`);
  return value.trim();
}

const fixtures: Fixture[] = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.ts'))
  .sort()
  .map((name) => {
    const source = readFileSync(path.join(FIXTURES, name), 'utf8');
    const expected = header(source, 'expect', name);
    return { name, source, lintAs: header(source, 'lint-as', name), expected: expected === 'none' ? null : expected };
  });

// The fixtures pretend to live at paths that do not exist, so no TypeScript program can type them: lint them
// with the project's config minus type information (the import rules need none).
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
});

async function importErrors(fixture: Fixture): Promise<string[]> {
  const [result] = await eslint.lintText(fixture.source, { filePath: path.join(ROOT, fixture.lintAs) });
  if (result === undefined) throw new Error(`ESLint returned no result for ${fixture.name}`);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import layers', () => {
  it('has fixtures for every rule', () => {
    expect(fixtures.filter((f) => f.expected !== null).length).toBeGreaterThanOrEqual(10);
    expect(fixtures.filter((f) => f.expected === null).length).toBeGreaterThanOrEqual(3);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', async (_name, fixture) => {
    const errors = await importErrors(fixture);
    if (fixture.expected === null) expect(errors).toEqual([]);
    else {
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(fixture.expected);
    }
  });
});
