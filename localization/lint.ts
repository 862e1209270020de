import { IntlMessageFormat } from 'intl-messageformat';
import {
  catalogFromTree,
  GENERIC_TEMPLATE,
  loadTemplateTree,
  resolutionProblems,
  type TemplateCatalog,
} from './catalog';
import type { MessageFormatElement } from './compile';
import { formattersFor } from './formatters';
import { graphemeLength } from './graphemes';
import { DEFAULT_LOCALE } from './locale';
import { renderWith } from './render';
import { findDeclaration, findLimit, findMessage, resolve, type Resolution, type ResolvedMessage } from './resolve';
import { MESSAGE_FIELDS, type VariableDeclaration, type VariableValue } from './types';
import { DEFAULT_TEXT_MAX_LENGTH } from './values';
import { nth, present } from '../domain/present';
import { probability, addMs, durationMs, EPOCH } from '../domain/units';

/** Length limits (graphemes) for templates that declare none: what a lock screen shows without cutting. */
export const DEFAULT_LIMITS = { title: 65, body: 240 } as const;

export interface LintReport {
  /** Problems that make `templates:check` fail. */
  errors: string[];
  /** Worth a look, not wrong: a translation gap that falls back to another locale, an unreachable plural case. */
  warnings: string[];
  templates: number;
  files: number;
}

// Worst-case inputs: a large count, the longest month and weekday names in most languages, late evening.
const SAMPLE_COUNT = 99_999;
const SAMPLE_DATES = [Date.UTC(2025, 8, 24, 22, 59, 59), Date.UTC(2025, 1, 28, 12, 0, 0)];
const SAMPLE_VALUES: Record<VariableDeclaration['type'], VariableValue> = {
  text: 'Sample',
  number: 3,
  datetime: nth(SAMPLE_DATES, 0),
  choice: 'other',
};

/**
 * Checks a template tree: every file parses and validates, every variable is declared with a fallback or
 * as required and used as its type allows, all locales of a template agree on variable types and use the
 * same non-choice variables (choice variables carry grammar, e.g. gender, that only some languages need),
 * worst-case rendered titles and bodies stay within their limits, and every locale renders.
 */
export function lintTemplates(dir: string, defaultLocale: string = DEFAULT_LOCALE): LintReport {
  const { tree, problems } = loadTemplateTree(dir);
  const catalog = catalogFromTree(tree, { defaultLocale });
  const errors = [...problems, ...resolutionProblems(catalog, tree)];
  const warnings: string[] = [];
  if (!tree.get(GENERIC_TEMPLATE)?.has(defaultLocale)) {
    errors.push(`${GENERIC_TEMPLATE}/${defaultLocale}.json: missing (lock-screen-safe text for privacy mode)`);
  }
  for (const [template, locales] of tree) {
    if (!locales.has(defaultLocale)) {
      errors.push(`${template}: no ${defaultLocale}.json (the end of every fallback chain)`);
      continue;
    }
    lintTemplate(catalog, template, [...locales.keys()], errors, warnings);
  }
  const files = [...tree.values()].reduce((n, locales) => n + locales.size, 0);
  return { errors, warnings, templates: tree.size, files };
}

function lintTemplate(
  catalog: TemplateCatalog,
  template: string,
  locales: string[],
  errors: string[],
  warnings: string[],
): void {
  const defaultLocale = catalog.defaultLocale;
  const reference = resolve(catalog, template, defaultLocale);
  const referenceUsed = usedVariables(reference);
  const declaredAnywhere = new Map<string, VariableDeclaration['type']>();
  const usedAnywhere = new Set<string>();

  for (const locale of locales) {
    const where = `${template}/${locale}.json`;
    const resolution = resolve(catalog, template, locale);
    const own = present(resolution.documents[0], `${where}, the template's own document`);

    for (const [name, declaration] of Object.entries(own.document.variables ?? {})) {
      const earlier = declaredAnywhere.get(name);
      if (earlier !== undefined && earlier !== declaration.type) {
        errors.push(`${where}: variable "${name}" is declared ${declaration.type} here but ${earlier} elsewhere`);
      }
      declaredAnywhere.set(name, earlier ?? declaration.type);
    }

    for (const field of ['title', 'body'] as const) {
      const resolved = findMessage(resolution, field);
      if (resolved === undefined) {
        errors.push(`${where}: no ${field} in ${resolution.chain.join(' → ')}`);
        continue;
      }
      if (resolved.chainIndex > 0 && !locale.includes('-')) {
        warnings.push(`${where}: no ${field}, falls back to ${resolved.sourceLocale}`);
      }
      if (resolved.chainIndex === 0) {
        const limit = findLimit(resolution, field) ?? DEFAULT_LIMITS[field];
        const worst = worstCaseLength(resolution, resolved);
        if (worst > limit) {
          errors.push(`${where}: ${field} can reach ${worst} graphemes, over its limit of ${limit}`);
        }
      }
    }
    for (const field of MESSAGE_FIELDS) {
      const resolved = findMessage(resolution, field);
      if (resolved?.chainIndex === 0) warnings.push(...unreachablePluralCases(resolved, locale, where));
    }

    const used = usedVariables(resolution);
    for (const name of used.all) usedAnywhere.add(name);
    const missing = [...referenceUsed.nonChoice].filter((name) => !used.nonChoice.has(name));
    const extra = [...used.nonChoice].filter((name) => !referenceUsed.nonChoice.has(name));
    if (missing.length > 0) errors.push(`${where}: does not use ${list(missing)}, which ${defaultLocale} uses`);
    if (extra.length > 0) errors.push(`${where}: uses ${list(extra)}, which ${defaultLocale} does not`);

    // Rendering would only restate a problem already found in this file.
    if (!errors.some((e) => e.startsWith(`${where}:`))) errors.push(...smokeRender(catalog, template, locale, where));
  }

  for (const name of declaredAnywhere.keys()) {
    if (!usedAnywhere.has(name)) warnings.push(`${template}: variable "${name}" is declared but never used`);
  }
}

function list(names: string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

function usedVariables(resolution: Resolution): { all: Set<string>; nonChoice: Set<string> } {
  const all = new Set<string>();
  const nonChoice = new Set<string>();
  for (const field of MESSAGE_FIELDS) {
    const resolved = findMessage(resolution, field);
    if (resolved === undefined) continue;
    for (const name of resolved.message.usages.keys()) {
      all.add(name);
      if (findDeclaration(resolution, name, resolved.chainIndex)?.type !== 'choice') nonChoice.add(name);
    }
  }
  return { all, nonChoice };
}

/** Renders with required variables only (fallbacks for the rest), then with every variable, as email and push. */
function smokeRender(catalog: TemplateCatalog, template: string, locale: string, where: string): string[] {
  const resolution = resolve(catalog, template, locale);
  const required: Record<string, VariableValue> = {};
  const all: Record<string, VariableValue> = {};
  for (const document of resolution.documents) {
    for (const [name, declaration] of Object.entries(document?.document.variables ?? {})) {
      all[name] ??= SAMPLE_VALUES[declaration.type];
      if ('required' in declaration) required[name] ??= SAMPLE_VALUES[declaration.type];
    }
  }
  const problems: string[] = [];
  for (const variables of [required, all]) {
    const result = renderWith(catalog, {
      candidate: {
        id: 'lint',
        userId: 'lint',
        category: 'content',
        template,
        variables,
        createdAt: EPOCH,
        expiresAt: addMs(EPOCH, durationMs(1)),
        businessValue: probability(0),
        source: 'event',
      },
      locale,
      timeZone: 'UTC',
      channel: 'email',
      privacyMode: false,
      sensitive: false,
    });
    if (result.kind === 'error') problems.push(`${where}: does not render: ${result.detail}`);
  }
  return [...new Set(problems)];
}

/** Plural cases the locale's rules never select (an English `few`), which usually signal a copied translation. */
function unreachablePluralCases(resolved: ResolvedMessage, locale: string, where: string): string[] {
  const categories = new Set(new Intl.PluralRules(locale).resolvedOptions().pluralCategories as string[]);
  const warnings: string[] = [];
  const walk = (elements: MessageFormatElement[]): void => {
    for (const element of elements) {
      if (!('options' in element)) continue;
      for (const [key, option] of Object.entries(element.options)) {
        if ('pluralType' in element && !key.startsWith('=') && !categories.has(key)) {
          warnings.push(
            `${where}: ${resolved.field}: plural case "${key}" of "${element.value}" never applies in ${locale}`,
          );
        }
        walk(option.value);
      }
    }
  };
  walk(resolved.message.ast);
  return warnings;
}

/** The longest a message can render, in graphemes: the longest branch, the longest value of each variable. */
export function worstCaseLength(resolution: Resolution, resolved: ResolvedMessage): number {
  const locale = resolved.sourceLocale;
  const formatSample = (element: MessageFormatElement, value: VariableValue): number => {
    const name = 'value' in element ? element.value : 'n';
    const output = new IntlMessageFormat([element], locale, undefined, { formatters: formattersFor('UTC') }).format({
      [name]: value,
    });
    return graphemeLength(String(output));
  };
  const measure = (elements: MessageFormatElement[]): number => {
    let total = 0;
    for (const element of elements) {
      if (!('value' in element)) {
        // `#` inside a plural: the sample count.
        total += graphemeLength(new Intl.NumberFormat(locale).format(SAMPLE_COUNT));
        continue;
      }
      if ('options' in element) {
        total += Math.max(...Object.values(element.options).map((option) => measure(option.value)));
        continue;
      }
      const declaration = findDeclaration(resolution, element.value, resolved.chainIndex);
      switch (declaration?.type) {
        case undefined:
          total += graphemeLength(element.value);
          break;
        case 'text': {
          const fallback = 'fallback' in declaration ? graphemeLength(String(declaration.fallback)) : 0;
          total += Math.max(declaration.maxLength ?? DEFAULT_TEXT_MAX_LENGTH, fallback);
          break;
        }
        case 'number': {
          const style = 'style' in element ? element.style : undefined;
          const options = typeof style === 'object' ? (style?.parsedOptions as Intl.NumberFormatOptions) : undefined;
          const percent = style === 'percent' || options?.style === 'percent';
          total += formatSample(element, percent ? 1 : SAMPLE_COUNT);
          break;
        }
        case 'datetime':
          total += Math.max(...SAMPLE_DATES.map((date) => formatSample(element, date)));
          break;
        case 'choice':
          break;
      }
    }
    return total;
  };
  return measure(resolved.message.ast);
}
