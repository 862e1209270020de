// Database overrides of repository templates: validated on write, read by the worker through an in-memory
// snapshot (rendering is synchronous) that is refreshed on an interval and on demand.
import { catalogFromTree, defaultTemplatesDir, loadTemplateTree, type TemplateTree } from '../localization/catalog';
import { canonicalLocale } from '../localization/locale';
import { parseTemplateDocument, TEMPLATE_NAME } from '../localization/schema';
import type { TemplateDocument, TemplateOverrideSource } from '../localization/types';
import type { EpochMs } from '../domain/types';
import { toDate, toEpochMs, type Queryable } from './sql';
import { nth } from '../domain/present';

/** A document larger than this is not a notification template. */
export const MAX_OVERRIDE_BYTES = 64 * 1024;
export const DEFAULT_OVERRIDE_REFRESH_MS = 15_000;

export class InvalidTemplateOverrideError extends Error {
  override readonly name = 'InvalidTemplateOverrideError';
  constructor(
    readonly template: string,
    readonly locale: string,
    readonly problems: string[],
  ) {
    super(`template override ${template}/${locale} is invalid:\n  ${problems.join('\n  ')}`);
  }
}

interface OverrideFields {
  template: string;
  locale: string;
  updatedAt: EpochMs;
}

/** A stored override. Rows written around this repository may fail validation: they are listed, never used. */
export type TemplateOverrideRow =
  | (OverrideFields & { kind: 'valid'; document: TemplateDocument })
  | (OverrideFields & { kind: 'invalid'; problems: string[] });

/**
 * Problems with an override beyond its JSON shape, as the catalog will use it. Returns [] when it is usable.
 * `locale` is canonical and `document` already passed `parseTemplateDocument`.
 */
export type OverrideCheck = (template: string, locale: string, document: TemplateDocument) => string[];

/**
 * Checks an override against the repository template tree the way the worker's catalog layers it: the template
 * must exist, the merged document must compile, and every variable a message uses must be declared along its
 * fallback chain with a type that allows the use.
 */
export function catalogOverrideCheck(templatesDir?: string): OverrideCheck {
  let tree: TemplateTree | undefined;
  return (template, locale, document) => {
    tree ??= loadTemplateTree(templatesDir ?? defaultTemplatesDir()).tree;
    if (!tree.has(template)) {
      return [`unknown template "${template}": overrides change repository templates (add new ones under templates/)`];
    }
    const problems: string[] = [];
    const probe = catalogFromTree(tree, {
      overrides: { get: (t, l) => (t === template && l === locale ? document : undefined) },
      onOverrideRejected: (_t, _l, found) => problems.push(...found),
    });
    probe.document(template, locale);
    return problems;
  };
}

interface OverrideRow {
  template: string;
  locale: string;
  document: unknown;
  updated_at: Date;
}

export class TemplateOverrideRepository {
  private readonly check: OverrideCheck;

  constructor(
    private readonly db: Queryable,
    options: { check?: OverrideCheck } = {},
  ) {
    this.check = options.check ?? catalogOverrideCheck();
  }

  /**
   * Creates or replaces the override of one template in one locale. Throws InvalidTemplateOverrideError naming
   * every problem (bad name or locale, bad JSON shape, messages that do not compile, undeclared variables).
   */
  async upsert(
    input: { template: string; locale: string; document: unknown },
    now: EpochMs,
  ): Promise<TemplateOverrideRow & { kind: 'valid' }> {
    const { template, locale, document } = validate(input, this.check);
    const { rows } = await this.db.query<OverrideRow>(
      `INSERT INTO template_overrides (template, locale, document, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (template, locale) DO UPDATE SET document = EXCLUDED.document, updated_at = EXCLUDED.updated_at
       RETURNING template, locale, document, updated_at`,
      [template, locale, JSON.stringify(document), toDate(now)],
    );
    const row = fromRow(nth(rows, 0));
    if (row.kind !== 'valid') throw new InvalidTemplateOverrideError(template, locale, row.problems);
    return row;
  }

  async get(template: string, locale: string): Promise<TemplateOverrideRow | null> {
    const { rows } = await this.db.query<OverrideRow>(
      'SELECT template, locale, document, updated_at FROM template_overrides WHERE template = $1 AND locale = $2',
      [template, canonicalLocale(locale) ?? locale],
    );
    return rows[0] === undefined ? null : fromRow(rows[0]);
  }

  /** Every override (or one template's), ordered by template and locale. */
  async list(filter: { template?: string } = {}): Promise<TemplateOverrideRow[]> {
    const { rows } = await this.db.query<OverrideRow>(
      `SELECT template, locale, document, updated_at FROM template_overrides
       WHERE $1::text IS NULL OR template = $1 ORDER BY template, locale`,
      [filter.template ?? null],
    );
    return rows.map(fromRow);
  }

  /** False when there was no such override. */
  async delete(template: string, locale: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM template_overrides WHERE template = $1 AND locale = $2', [
      template,
      canonicalLocale(locale) ?? locale,
    ]);
    return rowCount !== 0;
  }
}

function validate(
  input: { template: string; locale: string; document: unknown },
  check: OverrideCheck,
): { template: string; locale: string; document: TemplateDocument } {
  const problems: string[] = [];
  const template = String(input.template);
  if (!TEMPLATE_NAME.test(template) || template.length > 100) {
    problems.push(
      `template: "${template.slice(0, 100)}" is not a template name (lower_snake_case, e.g. friend_joined)`,
    );
  }
  const locale = typeof input.locale === 'string' ? canonicalLocale(input.locale) : undefined;
  if (locale === undefined) problems.push(`locale: "${String(input.locale)}" is not a BCP 47 locale (e.g. de, pt-BR)`);
  const size = Buffer.byteLength(JSON.stringify(input.document ?? null), 'utf8');
  if (size > MAX_OVERRIDE_BYTES) problems.push(`document: ${size} bytes, the limit is ${MAX_OVERRIDE_BYTES}`);
  const parsed = parseTemplateDocument(input.document);
  if (!parsed.ok) problems.push(...parsed.problems);
  if (problems.length > 0 || !parsed.ok || locale === undefined) {
    throw new InvalidTemplateOverrideError(template, String(input.locale), problems);
  }
  const deeper = check(template, locale, parsed.document);
  if (deeper.length > 0) throw new InvalidTemplateOverrideError(template, locale, deeper);
  return { template, locale, document: parsed.document };
}

function fromRow(row: OverrideRow): TemplateOverrideRow {
  const fields = { template: row.template, locale: row.locale, updatedAt: toEpochMs(row.updated_at) };
  const parsed = parseTemplateDocument(row.document);
  return parsed.ok
    ? { ...fields, kind: 'valid', document: parsed.document }
    : { ...fields, kind: 'invalid', problems: parsed.problems };
}

export interface TemplateOverrideSnapshot extends TemplateOverrideSource {
  /** Reloads every override now; resolves once the new snapshot is in use. Rejects when the database fails. */
  refresh(): Promise<void>;
  /** Overrides in the current snapshot. */
  size(): number;
  /** Stops the background refresh. */
  close(): void;
}

export interface SnapshotOptions {
  /** Background refresh period; 0 disables it (refresh on demand only). Default 15 s. */
  refreshIntervalMs?: number;
  /** A background refresh failed; the previous snapshot stays in use. */
  onRefreshError?: (error: unknown) => void;
  /** A stored row is invalid and ignored (reported once per content). */
  onInvalidRow?: (template: string, locale: string, problems: string[]) => void;
}

/**
 * Loads the overrides once, then keeps them fresh in the background. `get` answers synchronously from memory
 * and returns the same object while an override's content is unchanged (the catalog caches compiled overrides
 * by object identity).
 */
export async function startTemplateOverrideSnapshot(
  repository: Pick<TemplateOverrideRepository, 'list'>,
  options: SnapshotOptions = {},
): Promise<TemplateOverrideSnapshot> {
  const interval = options.refreshIntervalMs ?? DEFAULT_OVERRIDE_REFRESH_MS;
  if (!Number.isInteger(interval) || interval < 0) {
    throw new RangeError(`refreshIntervalMs must be a non-negative integer, got ${interval}`);
  }
  let current = new Map<string, { content: string; document: TemplateDocument }>();
  const reportedInvalid = new Map<string, string>();
  let queue: Promise<void> = Promise.resolve();

  const load = async (): Promise<void> => {
    const next = new Map<string, { content: string; document: TemplateDocument }>();
    const invalidNow = new Set<string>();
    for (const row of await repository.list()) {
      const key = keyOf(row.template, row.locale);
      if (row.kind === 'invalid') {
        const content = row.problems.join('\n');
        invalidNow.add(key);
        if (reportedInvalid.get(key) !== content) {
          reportedInvalid.set(key, content);
          options.onInvalidRow?.(row.template, row.locale, row.problems);
        }
        continue;
      }
      const content = JSON.stringify(row.document);
      const previous = current.get(key);
      next.set(key, previous?.content === content ? previous : { content, document: row.document });
    }
    for (const key of reportedInvalid.keys()) if (!invalidNow.has(key)) reportedInvalid.delete(key);
    current = next;
  };

  // Serialized: a refresh requested after a write always reads after it.
  const refresh = (): Promise<void> => {
    const run = queue.then(load);
    queue = run.catch(() => undefined);
    return run;
  };

  await refresh();
  const timer =
    interval > 0
      ? setInterval(() => {
          refresh().catch((error: unknown) => options.onRefreshError?.(error));
        }, interval)
      : undefined;
  timer?.unref();

  return {
    get: (template, locale) => current.get(keyOf(template, locale))?.document,
    refresh,
    size: () => current.size,
    close: () => clearInterval(timer),
  };
}

function keyOf(template: string, locale: string): string {
  return `${template}\u0000${locale}`;
}
