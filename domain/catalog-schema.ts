// The catalog's JSON form and its validation (docs/catalog.md). Every problem names its path, e.g.
// `categories.promo.weeklyCap: must be ≥ 0`. Not exported from domain/index.ts: the workflow sandbox never needs zod.
import { z } from 'zod';
import type { Catalog, TemplateSummary } from './catalog';
import type { TriggerRule } from './triggers';
import { CHANNELS, PRIORITY_CLASSES, type CategoryPolicy } from './types';
import { durationMs, probability } from './units';

const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const name = (what: string) => z.string().regex(NAME, `${what} must be lower_snake_case (a–z, 0–9, _), at most 64`);
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90m`, `24h`, `3d` (or a number of milliseconds) → milliseconds. */
const duration = z.union([
  z.number().int('must be whole milliseconds').positive('must be > 0'),
  z
    .string()
    .regex(DURATION, 'must be a duration such as 15m, 24h or 3d')
    .transform((text) => {
      const [, amount, unit] = DURATION.exec(text) ?? [];
      return Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
    })
    .pipe(z.number().positive('must be > 0')),
]);

const category = z.strictObject({
  class: z.enum(PRIORITY_CLASSES, { error: `must be one of ${PRIORITY_CLASSES.join(', ')}` }),
  channels: z
    .array(z.enum(CHANNELS, { error: `must be one of ${CHANNELS.join(', ')}` }))
    .min(1, 'must list at least one channel')
    .refine((list) => new Set(list).size === list.length, 'must not repeat a channel'),
  weeklyCap: z.number().int('must be a whole number').min(0, 'must be ≥ 0').nullable(),
  ttl: duration,
  sensitive: z.boolean().default(false),
  collapsible: z.boolean().default(true),
});

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const bound = z.union([z.number(), z.string()]);
const comparison = z
  .strictObject({
    eq: scalar.optional(),
    ne: scalar.optional(),
    gt: bound.optional(),
    gte: bound.optional(),
    lt: bound.optional(),
    lte: bound.optional(),
    in: z.array(scalar).min(1).optional(),
    exists: z.boolean().optional(),
  })
  .refine(
    (test) => Object.keys(test).length > 0,
    'must have at least one operator (eq, ne, gt, gte, lt, lte, in, exists)',
  );
const property = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a property name');

const trigger = z.strictObject({
  id: name('a rule id'),
  eventType: z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, 'must be an event type'),
  conditions: z
    .strictObject({
      event: z.record(property, comparison).optional(),
      user: z.record(property, comparison).optional(),
    })
    .optional(),
  category: name('a category'),
  template: name('a template'),
  businessValue: z.number().min(0, 'must be ≥ 0').max(1, 'must be ≤ 1'),
  dedupeKeyFrom: property.optional(),
  variables: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a template variable'), property).optional(),
  eventTimeAs: z.string().optional(),
  deepLink: z.string().min(1).max(2_000).optional(),
});

export const catalogDocument = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  /** A template tree (`<name>/<locale>.json`) relative to the catalog file; default: the product's templates/. */
  templatesDir: z.string().min(1).optional(),
  categories: z
    .record(name('a category name'), category)
    .refine((all) => Object.keys(all).length > 0, 'must declare at least one category'),
  triggers: z.array(trigger).default([]),
  engagementEvents: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, 'must be an event type')).default([]),
  journeys: z.array(z.strictObject({ id: name('a journey id'), description: z.string().optional() })).default([]),
  experiments: z
    .array(
      z.strictObject({
        id: name('an experiment id'),
        // A name (weight 1), or a name with its relative weight and the template it uses instead of the rule's.
        variants: z
          .array(
            z.union([
              name('a variant'),
              z.strictObject({
                name: name('a variant'),
                weight: z.number().positive('must be > 0').default(1),
                template: name('a template').optional(),
              }),
            ]),
          )
          .min(1),
        description: z.string().optional(),
      }),
    )
    .default([]),
  /** The global holdout: this percentage of users receives no non-critical notification (docs/measurement.md). */
  holdout: z
    .strictObject({ percent: z.number().min(0, 'must be ≥ 0').max(100, 'must be ≤ 100') })
    .default({ percent: 5 }),
  attribution: z
    .strictObject({ openWindow: duration.default(24 * 3_600_000), churnWindow: duration.default(72 * 3_600_000) })
    .default({ openWindow: 24 * 3_600_000, churnWindow: 72 * 3_600_000 }),
});

export type CatalogDocument = z.output<typeof catalogDocument>;

export class CatalogError extends Error {
  constructor(
    readonly where: string,
    readonly problems: string[],
  ) {
    super(`invalid catalog ${where}:\n  ${problems.join('\n  ')}`);
    this.name = 'CatalogError';
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((part) => String(part)).join('.') || '(root)';
}

/**
 * Validates a catalog document against the template summaries it may use. Returns the catalog, or every problem as
 * `path: message`.
 */
export function parseCatalog(
  json: unknown,
  templates: Record<string, TemplateSummary>,
): { ok: true; catalog: Catalog; document: CatalogDocument } | { ok: false; problems: string[] } {
  const parsed = catalogDocument.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => `${pathOf(issue.path)}: ${issue.message}`) };
  }
  const document = parsed.data;
  const problems: string[] = [];
  const categories: Record<string, CategoryPolicy> = {};
  for (const [key, c] of Object.entries(document.categories)) {
    categories[key] = {
      priorityClass: c.class,
      channels: c.channels,
      weeklyCap: c.weeklyCap,
      ttlMs: durationMs(c.ttl),
      sensitive: c.sensitive,
      collapsible: c.collapsible,
    };
  }
  const ids = new Set<string>();
  const triggers: TriggerRule[] = document.triggers.map((rule, index) => {
    const at = `triggers.${index}`;
    if (ids.has(rule.id)) problems.push(`${at}.id: "${rule.id}" is used by an earlier rule`);
    ids.add(rule.id);
    if (!Object.hasOwn(categories, rule.category)) {
      problems.push(`${at}.category: "${rule.category}" is not a category of this catalog`);
    }
    const template = Object.hasOwn(templates, rule.template) ? templates[rule.template] : undefined;
    if (template === undefined) {
      problems.push(`${at}.template: no template "${rule.template}" in the template tree`);
    } else {
      const filled = new Set([...Object.keys(rule.variables ?? {}), ...(rule.eventTimeAs ? [rule.eventTimeAs] : [])]);
      for (const variable of filled) {
        if (!Object.hasOwn(template.variables, variable)) {
          problems.push(`${at}.variables.${variable}: template "${rule.template}" declares no such variable`);
        }
      }
    }
    return { ...withoutUndefined(rule), businessValue: probability(rule.businessValue) } as TriggerRule;
  });
  const experimentIds = new Set<string>();
  const experiments = document.experiments.map((experiment, index) => {
    if (experimentIds.has(experiment.id)) problems.push(`experiments.${index}.id: "${experiment.id}" is repeated`);
    experimentIds.add(experiment.id);
    const entry: Catalog['experiments'][number] = {
      id: experiment.id,
      variants: [],
      ...(experiment.description === undefined ? {} : { description: experiment.description }),
    };
    experiment.variants.forEach((variant, v) => {
      const spec = typeof variant === 'string' ? { name: variant, weight: 1 } : variant;
      if (entry.variants.includes(spec.name))
        problems.push(`experiments.${index}.variants.${v}: "${spec.name}" is repeated`);
      entry.variants.push(spec.name);
      if (spec.weight !== 1) entry.weights = { ...entry.weights, [spec.name]: spec.weight };
      if ('template' in spec && spec.template !== undefined) {
        if (!Object.hasOwn(templates, spec.template)) {
          problems.push(
            `experiments.${index}.variants.${v}.template: no template "${spec.template}" in the template tree`,
          );
        }
        entry.templates = { ...entry.templates, [spec.name]: spec.template };
      }
    });
    return entry;
  });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    document,
    catalog: {
      categories,
      triggers,
      templates,
      engagementEvents: [...new Set(document.engagementEvents)],
      journeys: document.journeys.map((j) => withoutUndefined(j) as Catalog['journeys'][number]),
      experiments,
      holdout: document.holdout,
      attribution: {
        openWindowMs: durationMs(document.attribution.openWindow),
        churnWindowMs: durationMs(document.attribution.churnWindow),
      },
    },
  };
}

function withoutUndefined(value: object): object {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
