// The one-clock rule in eslint.config.mjs, proved: product code that reads the process clock directly fails lint;
// the clock module itself, workflow code (workflow time) and code reading an injected clock pass.
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
});

async function clockErrors(source: string, lintAs: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, lintAs) });
  if (result === undefined) throw new Error(`ESLint returned no result for ${lintAs}`);
  return result.messages
    .filter((m) => m.ruleId === 'no-restricted-properties' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

describe('one clock', () => {
  it.each([
    ['activities/x.ts', 'export const at = Date.now();'],
    ['api/x.ts', 'export const now: () => number = Date.now;'],
    ['db/x.ts', 'export const at = new Date().toISOString();'],
    ['workers/x.ts', 'export const at = Date.now() + 1;'],
    ['codec/x.ts', 'export const at = new Date();'],
    ['simulator/x.ts', 'export const at = Date.now();'],
  ])('forbids reading the process clock in %s', async (lintAs, source) => {
    const errors = await clockErrors(source, lintAs);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/clock\//);
  });

  it.each([
    ['clock/index.ts', 'export const wallClock = () => Date.now();'],
    ['workflows/x.ts', 'export const at = Date.now();'],
    ['api/x.ts', 'export const at = (clock: () => number) => new Date(clock()).toISOString();'],
    ['activities/x.ts', 'export const parsed = new Date("2099-01-07T09:00:00Z");'],
  ])('allows %s', async (lintAs, source) => {
    expect(await clockErrors(source, lintAs)).toEqual([]);
  });
});
