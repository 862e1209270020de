import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Candidate, Category, Channel } from '../../domain/types';
import type { RenderInput } from '../../localization';
import { probability, addMs, EPOCH, minutes } from '../../domain/units';

export function candidate(
  template: string,
  variables: Candidate['variables'] = {},
  category: Category = 'social',
): Candidate {
  return {
    id: 'cand-1',
    userId: 'user-1',
    category,
    template,
    variables,
    createdAt: EPOCH,
    expiresAt: addMs(EPOCH, minutes(1)),
    businessValue: probability(0.5),
    source: 'event',
  };
}

export function input(
  template: string,
  variables: Candidate['variables'],
  locale: string,
  extra: Partial<Omit<RenderInput, 'candidate' | 'locale'>> & { channel?: Channel } = {},
): RenderInput {
  return {
    candidate: candidate(template, variables),
    locale,
    timeZone: 'UTC',
    channel: 'push',
    privacyMode: false,
    sensitive: false,
    ...extra,
  };
}

/** A template tree in a fresh temp dir: `{ 'greeting/en.json': {...} }`; raw strings are written as is. */
export function writeTree(files: Record<string, unknown>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tact-templates-'));
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The lock-screen-safe template every tree needs. */
export const GENERIC_EN = {
  'generic_activity/en.json': { title: 'New activity', body: 'Open the app to see the details.' },
};

export const FSI = '\u2068';
export const PDI = '\u2069';

/** Anything that looks like an unfilled ICU placeholder: `{name}`, `{n, plural, ...`. */
export const PLACEHOLDER_RESIDUE = /\{\s*[A-Za-z_][\w]*\s*[,}]/;
