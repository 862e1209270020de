// Reads the deployment's catalog (TACT_CATALOG, docs/catalog.md) or the default one, validates it against its
// template tree, and derives the versioned rule set the workflows carry. A bad catalog throws CatalogError naming
// every bad path, so start-up stops.
import type { EpochMs } from '../domain/types';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Catalog, RuleSet, TemplateSummary } from '../domain/catalog';
import { CatalogError, parseCatalog } from '../domain/catalog-schema';
import { DEFAULT_POLICY, withOverrides, type DeepPartial, type PolicyConfig } from '../domain/config';

/** The product's default catalog and template tree. */
export const DEFAULT_CATALOG_PATH = path.resolve(__dirname, 'default.json');
export const DEFAULT_TEMPLATES_DIR = productTemplatesDir();

/** The product's `templates/`, found walking up from here (the same code runs from source and from dist/). */
function productTemplatesDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'templates');
    if (existsSync(path.join(candidate, 'generic_activity'))) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..', 'templates');
  }
}

export interface LoadedCatalog {
  catalog: Catalog;
  /** The catalog file read. */
  source: string;
  /** The template tree its templates come from (delivery renders from the same tree). */
  templatesDir: string;
}

/**
 * TACT_CATALOG: a JSON file, or a directory holding `catalog.json` (and, by convention, its own `templates/`).
 * Unset: catalog/default.json.
 */
export function loadCatalog(setting: string | undefined, templatesSetting?: string): LoadedCatalog {
  const given = setting?.trim();
  let file = given ? path.resolve(given) : DEFAULT_CATALOG_PATH;
  const where = given ? `TACT_CATALOG=${given}` : 'catalog/default.json';
  if (!existsSync(file)) throw new CatalogError(where, [`(file): ${file} does not exist`]);
  if (statSync(file).isDirectory()) file = path.join(file, 'catalog.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CatalogError(where, [`(file): ${file} is not readable JSON (${(error as Error).message})`]);
  }
  const templatesDir = templatesDirOf(json, file, templatesSetting?.trim() || undefined);
  const templates = readTemplateSummaries(templatesDir);
  const parsed = parseCatalog(json, templates);
  if (!parsed.ok) throw new CatalogError(where, parsed.problems);
  return { catalog: parsed.catalog, source: file, templatesDir };
}

/** The catalog's `templatesDir`, else a `templates/` beside it, else TACT_TEMPLATES_DIR, else the product's. */
function templatesDirOf(json: unknown, file: string, fromEnv: string | undefined): string {
  const declared = (json as { templatesDir?: unknown } | null)?.templatesDir;
  if (typeof declared === 'string' && declared.length > 0) return path.resolve(path.dirname(file), declared);
  const beside = path.join(path.dirname(file), 'templates');
  if (file !== DEFAULT_CATALOG_PATH && existsSync(beside) && statSync(beside).isDirectory()) return beside;
  return fromEnv === undefined ? DEFAULT_TEMPLATES_DIR : path.resolve(fromEnv);
}

/**
 * The locales and declared variables of every `<dir>/<template>/<locale>.json`. Only what validation needs: the
 * localization module (delivery, `npm run templates:check`) checks the documents themselves.
 */
export function readTemplateSummaries(dir: string): Record<string, TemplateSummary> {
  const summaries: Record<string, TemplateSummary> = {};
  if (!existsSync(dir)) return summaries;
  for (const template of readdirSync(dir).sort()) {
    const templateDir = path.join(dir, template);
    if (!statSync(templateDir).isDirectory()) continue;
    const summary: TemplateSummary = { locales: [], variables: {} };
    for (const file of readdirSync(templateDir).sort()) {
      if (!file.endsWith('.json')) continue;
      summary.locales.push(file.slice(0, -'.json'.length));
      let document: { variables?: Record<string, { required?: unknown }> };
      try {
        document = JSON.parse(readFileSync(path.join(templateDir, file), 'utf8')) as typeof document;
      } catch {
        continue; // reported by the localization module's own checks
      }
      for (const [variable, declaration] of Object.entries(document.variables ?? {})) {
        const required = declaration?.required === true || summary.variables[variable]?.required === true;
        summary.variables[variable] = { required };
      }
    }
    summaries[template] = summary;
  }
  return summaries;
}

/** JSON with object keys sorted, so equal content hashes equally whatever its key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What one version decides with: the catalog, and the policy (its categories from the catalog, then TACT_POLICY). */
export interface VersionedConfig {
  id: string;
  catalog: Catalog;
  policy: PolicyConfig;
}

/**
 * The catalog merged with the policy overrides, and its version id: the first 16 hex digits of the SHA-256 of the
 * canonical JSON of both. Throws (a RangeError naming the bad value) when the overrides make the policy invalid.
 */
export function versionedConfig(catalog: Catalog, overrides: DeepPartial<PolicyConfig> = {}): VersionedConfig {
  const policy = withOverrides(
    { ...DEFAULT_POLICY, categories: catalog.categories, ...(catalog.holdout ? { holdout: catalog.holdout } : {}) },
    overrides,
  );
  const id = createHash('sha256').update(canonicalJson({ catalog, policy })).digest('hex').slice(0, 16);
  return { id, catalog, policy };
}

/** The part a user workflow carries, once the version's activation time is known. */
export function ruleSetOf(config: VersionedConfig, since: EpochMs): RuleSet {
  return { id: config.id, since, policy: config.policy };
}
