import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { compileDocument, type CompiledDocument } from './compile';
import { canonicalLocale, DEFAULT_LOCALE, fallbackChain } from './locale';
import { declarationProblems, findMessage, resolve, type DocumentSource } from './resolve';
import { parseTemplateDocument, TEMPLATE_NAME } from './schema';
import { MESSAGE_FIELDS, type TemplateDocument, type TemplateOverrideSource } from './types';

/** The template that carries lock-screen-safe text for sensitive categories and privacy mode. */
export const GENERIC_TEMPLATE = 'generic_activity';

export interface TemplateCatalog extends DocumentSource {
  templateNames(): string[];
  /** Locales with a repository file for this template. */
  localesOf(template: string): string[];
}

export interface TemplateCatalogOptions {
  /** Template tree; default: `$TACT_TEMPLATES_DIR`, else the `templates/` directory of this checkout. */
  dir?: string;
  overrides?: TemplateOverrideSource;
  defaultLocale?: string;
  /** Called once per rejected override object; the repository file is used instead. */
  onOverrideRejected?: (template: string, locale: string, problems: string[]) => void;
}

export class TemplateCatalogError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid templates:\n  ${problems.join('\n  ')}`);
    this.name = 'TemplateCatalogError';
  }
}

/** template → locale → compiled document. */
export type TemplateTree = Map<string, Map<string, CompiledDocument>>;

/**
 * Reads `dir/<template>/<locale>.json`. Never throws for content: every unreadable, invalid or misnamed file
 * is reported as a problem prefixed with its relative path, and left out of the tree.
 */
export function loadTemplateTree(dir: string): { tree: TemplateTree; problems: string[] } {
  const tree: TemplateTree = new Map();
  const problems: string[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { tree, problems: [`${dir}: not a directory`] };
  for (const template of readdirSync(dir).sort()) {
    const templateDir = join(dir, template);
    if (template.endsWith('.md')) continue; // documentation next to the templates
    if (!statSync(templateDir).isDirectory()) {
      problems.push(`${template}: expected a directory per template`);
      continue;
    }
    if (!TEMPLATE_NAME.test(template)) {
      problems.push(`${template}: template names are lower_snake_case`);
      continue;
    }
    const locales = new Map<string, CompiledDocument>();
    for (const file of readdirSync(templateDir).sort()) {
      const where = `${template}/${file}`;
      const locale = file.endsWith('.json') ? file.slice(0, -'.json'.length) : undefined;
      if (locale === undefined) {
        problems.push(`${where}: expected <locale>.json`);
        continue;
      }
      if (canonicalLocale(locale) !== locale) {
        problems.push(`${where}: "${locale}" is not a canonical BCP 47 locale (expected e.g. "pt-BR")`);
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(join(templateDir, file), 'utf8'));
      } catch (error) {
        problems.push(`${where}: not valid JSON (${(error as Error).message})`);
        continue;
      }
      const parsed = parseTemplateDocument(json);
      if (!parsed.ok) {
        problems.push(...parsed.problems.map((p) => `${where}: ${p}`));
        continue;
      }
      const compiled = compileDocument(parsed.document);
      if (!compiled.ok) {
        problems.push(...compiled.problems.map((p) => `${where}: ${p}`));
        continue;
      }
      locales.set(locale, compiled.compiled);
    }
    tree.set(template, locales);
  }
  return { tree, problems };
}

/** Problems that would make rendering wrong: undeclared variables and type misuse, per file. */
export function resolutionProblems(source: DocumentSource, tree: TemplateTree): string[] {
  const problems: string[] = [];
  for (const [template, locales] of tree) {
    for (const locale of locales.keys()) {
      const resolution = resolve(source, template, locale);
      for (const field of MESSAGE_FIELDS) {
        const resolved = findMessage(resolution, field);
        // Each file answers for its own messages; inherited ones are checked at their source.
        if (resolved === undefined || resolved.chainIndex !== 0) continue;
        problems.push(...declarationProblems(resolution, resolved).map((p) => `${template}/${locale}.json: ${p}`));
      }
    }
  }
  return problems;
}

export function catalogFromTree(tree: TemplateTree, options: TemplateCatalogOptions = {}): TemplateCatalog {
  const { overrides, onOverrideRejected } = options;
  const defaultLocale = options.defaultLocale ?? DEFAULT_LOCALE;
  // Keyed by the override object: a source returns the same object until its content changes.
  const compiledOverrides = new WeakMap<TemplateDocument, CompiledDocument | undefined>();

  const withOverride = (
    template: string,
    locale: string,
    repo: CompiledDocument | undefined,
  ): CompiledDocument | undefined => {
    const override = overrides?.get(template, locale);
    if (override === undefined) return repo;
    if (!compiledOverrides.has(override)) {
      const merged = repo === undefined ? override : layer(repo.document, override);
      const parsed = parseTemplateDocument(merged);
      const compiled = parsed.ok ? compileDocument(parsed.document) : parsed;
      const problems = compiled.ok
        ? overrideDeclarationProblems(template, locale, compiled.compiled)
        : compiled.problems;
      compiledOverrides.set(override, compiled.ok && problems.length === 0 ? compiled.compiled : undefined);
      if (problems.length > 0) onOverrideRejected?.(template, locale, problems);
    }
    return compiledOverrides.get(override) ?? repo;
  };

  // An override's messages must find their variables declared along its own chain, like a repository file.
  const overrideDeclarationProblems = (template: string, locale: string, compiled: CompiledDocument) => {
    const chain = fallbackChain(locale, defaultLocale);
    const resolution = {
      template,
      chain,
      documents: chain.map((l, i) => (i === 0 ? compiled : withOverride(template, l, tree.get(template)?.get(l)))),
    };
    return MESSAGE_FIELDS.flatMap((field) => {
      const resolved = findMessage(resolution, field);
      return resolved?.chainIndex === 0 ? declarationProblems(resolution, resolved) : [];
    });
  };

  return {
    defaultLocale,
    templateNames: () => [...tree.keys()],
    localesOf: (template) => [...(tree.get(template)?.keys() ?? [])],
    document: (template, locale) => withOverride(template, locale, tree.get(template)?.get(locale)),
  };
}

/** Field-by-field layering of an override over a repository document. */
function layer(base: TemplateDocument, top: TemplateDocument): TemplateDocument {
  const layered: TemplateDocument = { ...base, ...top };
  if (base.email || top.email) layered.email = { ...base.email, ...top.email };
  if (base.variables || top.variables) layered.variables = { ...base.variables, ...top.variables };
  if (base.limits || top.limits) layered.limits = { ...base.limits, ...top.limits };
  return layered;
}

/** Loads and validates a template tree; throws TemplateCatalogError listing every problem. */
export function createTemplateCatalog(options: TemplateCatalogOptions = {}): TemplateCatalog {
  const { tree, problems } = loadTemplateTree(options.dir ?? defaultTemplatesDir());
  const catalog = catalogFromTree(tree, options);
  problems.push(...resolutionProblems(catalog, tree));
  if (!tree.get(GENERIC_TEMPLATE)?.has(catalog.defaultLocale)) {
    problems.push(`${GENERIC_TEMPLATE}/${catalog.defaultLocale}.json: missing (lock-screen-safe text is required)`);
  }
  if (problems.length > 0) throw new TemplateCatalogError(problems);
  return catalog;
}

export function defaultTemplatesDir(): string {
  const fromEnv = process.env.TACT_TEMPLATES_DIR;
  if (fromEnv) return resolvePath(fromEnv);
  // Walk up from this file so the same code finds the tree from source (tsx) and from dist/.
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, GENERIC_TEMPLATE))) return candidate;
    if (dirname(dir) === dir) throw new Error(`templates/ not found above ${__dirname}; set TACT_TEMPLATES_DIR`);
  }
}
