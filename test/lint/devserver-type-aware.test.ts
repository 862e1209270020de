// The offline server's package is linted with type information (its own tsconfig, found by the project service):
// a floating promise, a non-exhaustive switch over a union and an assertion that changes nothing are errors there.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
// An existing file of the package, so the project service types the text below as part of its program.
const AS_FILE = path.join(ROOT, 'packages/temporal-devserver/src/logger.ts');

const SOURCE = `
export type Kind = 'a' | 'b';
export function name(kind: Kind): string {
  switch (kind) {
    case 'a':
      return 'A';
  }
  return '';
}
async function work(): Promise<void> {}
export function start(): void {
  work();
}
export const n = (1 as number) as number;
`;

describe('type-aware lint of packages/temporal-devserver', () => {
  it('reports floating promises, non-exhaustive switches and unnecessary assertions as errors', async () => {
    const [result] = await new ESLint({ cwd: ROOT }).lintText(SOURCE, { filePath: AS_FILE });
    const errors = (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => m.ruleId);
    expect(errors).toEqual(
      expect.arrayContaining([
        '@typescript-eslint/switch-exhaustiveness-check',
        '@typescript-eslint/no-floating-promises',
        '@typescript-eslint/no-unnecessary-type-assertion',
      ]),
    );
  });
});
