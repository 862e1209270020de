// Template overrides in the database: validated on write, served from a snapshot refreshed in the background.
import { describe, expect, it } from 'vitest';
import {
  InvalidTemplateOverrideError,
  startTemplateOverrideSnapshot,
  TemplateOverrideRepository,
} from '../../db/template-overrides';
import { useTestDatabase } from '../support/test-database';
import { utc } from '../support/instants';
import { addMs, seconds } from '../../domain/units';

const NOW = utc(2025, 5, 2, 12, 0, 0);

async function rejection(write: Promise<unknown>): Promise<InvalidTemplateOverrideError> {
  const error = await write.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidTemplateOverrideError);
  return error as InvalidTemplateOverrideError;
}

describe('template overrides', () => {
  const db = useTestDatabase();
  const repo = () => new TemplateOverrideRepository(db().pool);

  it('store a valid override under its canonical locale, replace it, list and delete it', async () => {
    const overrides = repo();
    const created = await overrides.upsert(
      { template: 'friend_joined', locale: 'pt_br', document: { title: '{friend_name} chegou!' } },
      NOW,
    );
    expect(created).toEqual({
      kind: 'valid',
      template: 'friend_joined',
      locale: 'pt-BR',
      document: { title: '{friend_name} chegou!' },
      updatedAt: NOW,
    });
    await overrides.upsert(
      { template: 'friend_joined', locale: 'pt-BR', document: { title: '{friend_name} entrou' } },
      addMs(NOW, seconds(1)),
    );
    await overrides.upsert({ template: 'new_content', locale: 'de', document: { body: 'Jetzt ansehen.' } }, NOW);

    expect(await overrides.get('friend_joined', 'pt-BR')).toMatchObject({
      document: { title: '{friend_name} entrou' },
      updatedAt: NOW + 1000,
    });
    expect((await overrides.list()).map((o) => `${o.template}/${o.locale}`)).toEqual([
      'friend_joined/pt-BR',
      'new_content/de',
    ]);
    expect((await overrides.list({ template: 'new_content' })).map((o) => o.locale)).toEqual(['de']);

    expect(await overrides.delete('friend_joined', 'pt-br')).toBe(true);
    expect(await overrides.delete('friend_joined', 'pt-BR')).toBe(false);
    expect(await overrides.get('friend_joined', 'pt-BR')).toBeNull();
    await overrides.delete('new_content', 'de');
  });

  it('reject an invalid override on write, naming every problem, and write nothing', async () => {
    const overrides = repo();
    const shape = await rejection(
      overrides.upsert(
        { template: 'friend_joined', locale: 'de', document: { title: '', subtitle: 'x', limits: { body: 5000 } } },
        NOW,
      ),
    );
    expect(shape.message).toContain('template override friend_joined/de is invalid');
    expect(shape.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^title: /),
        expect.stringMatching(/subtitle/),
        expect.stringMatching(/^limits\.body: /),
      ]),
    );

    const undeclared = await rejection(
      overrides.upsert({ template: 'friend_joined', locale: 'de', document: { title: 'Hallo {nickname}' } }, NOW),
    );
    expect(undeclared.problems).toEqual(['title: variable "nickname" is not declared']);

    const misuse = await rejection(
      overrides.upsert(
        { template: 'friend_joined', locale: 'de', document: { body: '{friend_name, plural, other {#}}' } },
        NOW,
      ),
    );
    expect(misuse.problems).toEqual(['body: text variable "friend_name" cannot be used as plural']);

    const syntax = await rejection(
      overrides.upsert({ template: 'friend_joined', locale: 'de', document: { title: 'Hallo {friend_name' } }, NOW),
    );
    expect(syntax.problems.join('\n')).toMatch(/title/);

    const unknown = await rejection(
      overrides.upsert({ template: 'no_such_template', locale: 'de', document: { title: 'Hallo' } }, NOW),
    );
    expect(unknown.problems).toEqual([expect.stringContaining('unknown template "no_such_template"')]);

    const names = await rejection(
      overrides.upsert({ template: 'Friend-Joined', locale: 'not a locale!', document: { title: 'x' } }, NOW),
    );
    expect(names.problems).toEqual([
      expect.stringContaining('template: "Friend-Joined" is not a template name'),
      expect.stringContaining('locale: "not a locale!" is not a BCP 47 locale'),
    ]);

    const notAnObject = await rejection(
      overrides.upsert({ template: 'friend_joined', locale: 'de', document: [] }, NOW),
    );
    expect(notAnObject.problems.length).toBeGreaterThan(0);

    expect(await overrides.list()).toEqual([]);
  });

  it('serve a snapshot that keeps unchanged documents identical, refreshes on demand and skips invalid rows', async () => {
    const overrides = repo();
    const invalid: string[] = [];
    const snapshot = await startTemplateOverrideSnapshot(overrides, {
      refreshIntervalMs: 0,
      onInvalidRow: (template, locale, problems) => invalid.push(`${template}/${locale}: ${problems.join('; ')}`),
    });
    try {
      expect(snapshot.get('friend_joined', 'de')).toBeUndefined();
      await overrides.upsert({ template: 'friend_joined', locale: 'de', document: { title: 'A {friend_name}' } }, NOW);
      await overrides.upsert({ template: 'new_content', locale: 'fr', document: { body: 'Voir.' } }, NOW);
      expect(snapshot.get('friend_joined', 'de')).toBeUndefined();

      await snapshot.refresh();
      const first = snapshot.get('friend_joined', 'de');
      expect(first).toEqual({ title: 'A {friend_name}' });
      const other = snapshot.get('new_content', 'fr');

      await overrides.upsert({ template: 'friend_joined', locale: 'de', document: { title: 'B {friend_name}' } }, NOW);
      // Written around the repository: never used, reported once.
      await db().pool.query(
        `INSERT INTO template_overrides (template, locale, document, updated_at) VALUES ('promo_available', 'de', '{"title": 7}', now())`,
      );
      await snapshot.refresh();
      await snapshot.refresh();
      expect(snapshot.get('friend_joined', 'de')).toEqual({ title: 'B {friend_name}' });
      expect(snapshot.get('new_content', 'fr')).toBe(other);
      expect(snapshot.get('promo_available', 'de')).toBeUndefined();
      expect(snapshot.size()).toBe(2);
      expect(invalid).toEqual([expect.stringMatching(/^promo_available\/de: title: /)]);
      expect((await overrides.list()).find((o) => o.template === 'promo_available')).toMatchObject({
        kind: 'invalid',
      });

      await overrides.delete('new_content', 'fr');
      await snapshot.refresh();
      expect(snapshot.get('new_content', 'fr')).toBeUndefined();
    } finally {
      snapshot.close();
      await db().pool.query('DELETE FROM template_overrides');
    }
  });

  it('refresh in the background and keep the last snapshot when the database fails', async () => {
    let rows: Awaited<ReturnType<TemplateOverrideRepository['list']>> = [];
    let failing = false;
    const errors: unknown[] = [];
    const source = {
      list: async () => {
        if (failing) throw new Error('connection refused');
        return rows;
      },
    };
    const snapshot = await startTemplateOverrideSnapshot(source, {
      refreshIntervalMs: 20,
      onRefreshError: (error) => errors.push(error),
    });
    try {
      rows = [{ kind: 'valid', template: 'new_content', locale: 'de', document: { body: 'Neu' }, updatedAt: NOW }];
      await expect.poll(() => snapshot.get('new_content', 'de'), { timeout: 5000 }).toEqual({ body: 'Neu' });
      failing = true;
      await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThan(0);
      expect(snapshot.get('new_content', 'de')).toEqual({ body: 'Neu' });
      await expect(snapshot.refresh()).rejects.toThrow('connection refused');
    } finally {
      snapshot.close();
    }
  });
});
