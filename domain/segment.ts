// Segments (docs/segments.md): a JSON filter over stored user attributes and computed fields. Validation is pure and
// names the bad part (`filter.and[1].op`); db/segments.ts compiles a valid filter to parameterised SQL.
import { CHANNELS } from './types';

/** Fields of a single value, compared with eq/ne/in/notIn. */
const TEXT_FIELDS = ['locale', 'timeZone', 'country', 'lifecycleStage'] as const;
/** Fields holding a set of values per user, tested with has/hasAny/hasNone. */
const SET_FIELDS = ['platform', 'channel', 'optedInCategory'] as const;
/** Instants, compared with before/after/between (ISO-8601 or epoch ms) or withinLastDays/olderThanDays. */
const TIME_FIELDS = ['createdAt', 'lastActiveAt'] as const;
/** Numbers (engagementRate is 0..1). */
const NUMBER_FIELDS = ['engagementRate'] as const;

export type TextField = (typeof TEXT_FIELDS)[number];
export type SetField = (typeof SET_FIELDS)[number];
export type TimeField = (typeof TIME_FIELDS)[number];
export type NumberField = (typeof NUMBER_FIELDS)[number];
/** A free-form stored attribute: `attributes.plan`. */
export type AttributeField = `attributes.${string}`;
/** The user's runs of a journey: `journey.cart_abandonment`, compared with eq/ne/in/notIn to JOURNEY_STATES. */
export type JourneyField = `journey.${string}`;
export type SegmentField = TextField | SetField | TimeField | NumberField | AttributeField | JourneyField;

/**
 * What `journey.<name>` matches, over the user's recorded runs (journey_runs): `active` a run still going, `completed`
 * one that ran to its end, `exited` one ended by an exit event or an opt-out, `converted` one that reached its goal,
 * `enrolled` any run at all. `eq` is "has such a run", `ne` "has none".
 */
export const JOURNEY_STATES = ['active', 'completed', 'exited', 'converted', 'enrolled'] as const;
export type JourneyState = (typeof JOURNEY_STATES)[number];

export const LIFECYCLE_STAGES = ['active', 'at_risk', 'churned'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];
/** Last active within this many days: `active`; within CHURNED_AFTER_DAYS: `at_risk`; else `churned`. */
export const AT_RISK_AFTER_DAYS = 7;
export const CHURNED_AFTER_DAYS = 30;
/** engagementRate: opened (or engaged/converted) sends ÷ sends over this many days; no sends → no rate. */
export const ENGAGEMENT_WINDOW_DAYS = 30;

const PLATFORMS = ['ios', 'android', 'web'] as const;
const MAX_DEPTH = 8;
const MAX_CONDITIONS = 64;
const MAX_LIST = 1_000;
const MAX_DAYS = 36_500;
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const JOURNEY_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const CATEGORY_NAME = /^[a-z][a-z0-9_]*$/;

export type Scalar = string | number | boolean;

/** A validated filter, with times as epoch ms: what db/segments.ts compiles. */
export type Segment =
  | { and: Segment[] }
  | { or: Segment[] }
  | { not: Segment }
  | { field: TextField | AttributeField; op: 'eq' | 'ne'; value: Scalar }
  | { field: TextField | AttributeField; op: 'in' | 'notIn'; value: Scalar[] }
  | { field: AttributeField; op: 'exists' }
  | { field: AttributeField | NumberField; op: 'lt' | 'lte' | 'gt' | 'gte'; value: number }
  | { field: AttributeField | NumberField; op: 'between'; value: [number, number] }
  | { field: SetField; op: 'has'; value: string }
  | { field: SetField; op: 'hasAny' | 'hasNone'; value: string[] }
  | { field: TimeField; op: 'before' | 'after'; value: number }
  | { field: TimeField; op: 'between'; value: [number, number] }
  | { field: TimeField; op: 'withinLastDays' | 'olderThanDays'; value: number }
  | { field: JourneyField; op: 'eq' | 'ne'; value: JourneyState }
  | { field: JourneyField; op: 'in' | 'notIn'; value: JourneyState[] };

export type SegmentCondition = Exclude<Segment, { and: Segment[] } | { or: Segment[] } | { not: Segment }>;

export interface SegmentProblem {
  /** Where, from the filter's root as `at` names it: `filter.and[1].value`. */
  path: string;
  message: string;
}

export type SegmentValidation = { ok: true; segment: Segment } | { ok: false; problems: SegmentProblem[] };

const FIELDS_HELP = [
  ...TEXT_FIELDS,
  ...SET_FIELDS,
  ...TIME_FIELDS,
  ...NUMBER_FIELDS,
  'attributes.<name>',
  'journey.<name>',
].join(', ');

export interface SegmentValidationOptions {
  /** The journeys the deployment runs: `journey.<name>` must name one of them (unchecked when absent). */
  journeys?: readonly string[];
}

/** Checks a filter as received (any JSON) and returns it typed, or every problem with its path. */
export function validateSegment(
  input: unknown,
  at = 'filter',
  options: SegmentValidationOptions = {},
): SegmentValidation {
  const problems: SegmentProblem[] = [];
  let conditions = 0;
  const problem = (path: string, message: string): undefined => {
    problems.push({ path, message });
    return undefined;
  };

  const node = (value: unknown, path: string, depth: number): Segment | undefined => {
    if (depth > MAX_DEPTH) return problem(path, `nested deeper than ${MAX_DEPTH} levels`);
    if (!isObject(value)) return problem(path, 'must be an object: {and}, {or}, {not} or {field, op, value}');
    const keys = Object.keys(value);
    for (const combinator of ['and', 'or'] as const) {
      if (!Object.hasOwn(value, combinator)) continue;
      if (keys.length !== 1) return problem(path, `"${combinator}" stands alone in its object`);
      const list = value[combinator];
      if (!Array.isArray(list) || list.length === 0)
        return problem(`${path}.${combinator}`, 'must be a non-empty array');
      const children = list.map((child, i) => node(child, `${path}.${combinator}[${i}]`, depth + 1));
      return children.every((c) => c !== undefined)
        ? ({ [combinator]: children } as { and: Segment[] } | { or: Segment[] })
        : undefined;
    }
    if (Object.hasOwn(value, 'not')) {
      if (keys.length !== 1) return problem(path, '"not" stands alone in its object');
      const child = node(value.not, `${path}.not`, depth + 1);
      return child === undefined ? undefined : { not: child };
    }
    conditions += 1;
    if (conditions > MAX_CONDITIONS) return problem(path, `more than ${MAX_CONDITIONS} conditions`);
    return condition(value, path, keys);
  };

  const condition = (value: Record<string, unknown>, path: string, keys: string[]): Segment | undefined => {
    const extra = keys.filter((k) => !['field', 'op', 'value'].includes(k));
    if (extra.length > 0) return problem(`${path}.${extra[0]}`, 'unknown key (a condition has field, op and value)');
    const { field, op } = value;
    if (typeof field !== 'string') return problem(`${path}.field`, `must be one of ${FIELDS_HELP}`);
    if (typeof op !== 'string') return problem(`${path}.op`, 'must be a string');
    const kind = fieldKind(field);
    if (kind === undefined) return problem(`${path}.field`, `unknown field "${field}" (fields: ${FIELDS_HELP})`);
    const journey = field.slice('journey.'.length);
    if (kind === 'journey' && options.journeys !== undefined && !options.journeys.includes(journey)) {
      return problem(`${path}.field`, `unknown journey "${journey}" (journeys: ${options.journeys.join(', ')})`);
    }
    const allowed = OPS[kind];
    if (!(allowed as readonly string[]).includes(op)) {
      return problem(`${path}.op`, `"${op}" does not apply to ${field} (use ${allowed.join(', ')})`);
    }
    const valuePath = `${path}.value`;
    if (op === 'exists') {
      return Object.hasOwn(value, 'value')
        ? problem(valuePath, '"exists" takes no value')
        : { field: field as AttributeField, op };
    }
    if (!Object.hasOwn(value, 'value')) return problem(valuePath, `required for "${op}"`);
    const checked = checkValue(field, kind, op, value.value);
    if (typeof checked === 'string') return problem(valuePath, checked);
    return { field, op, value: checked.value } as Segment;
  };

  const segment = node(input, at, 1);
  return segment === undefined || problems.length > 0
    ? { ok: false, problems: problems.length > 0 ? problems : [{ path: at, message: 'invalid filter' }] }
    : { ok: true, segment };
}

type FieldKind = 'text' | 'set' | 'time' | 'number' | 'attribute' | 'journey';

const OPS = {
  text: ['eq', 'ne', 'in', 'notIn'],
  set: ['has', 'hasAny', 'hasNone'],
  time: ['before', 'after', 'between', 'withinLastDays', 'olderThanDays'],
  number: ['lt', 'lte', 'gt', 'gte', 'between'],
  attribute: ['eq', 'ne', 'in', 'notIn', 'lt', 'lte', 'gt', 'gte', 'between', 'exists'],
  journey: ['eq', 'ne', 'in', 'notIn'],
} as const satisfies Record<FieldKind, readonly string[]>;

function fieldKind(field: string): FieldKind | undefined {
  if ((TEXT_FIELDS as readonly string[]).includes(field)) return 'text';
  if ((SET_FIELDS as readonly string[]).includes(field)) return 'set';
  if ((TIME_FIELDS as readonly string[]).includes(field)) return 'time';
  if ((NUMBER_FIELDS as readonly string[]).includes(field)) return 'number';
  if (field.startsWith('attributes.') && ATTRIBUTE_NAME.test(field.slice('attributes.'.length))) return 'attribute';
  if (field.startsWith('journey.') && JOURNEY_NAME.test(field.slice('journey.'.length))) return 'journey';
  return undefined;
}

/** The value typed for the compiler, or what is wrong with it. */
function checkValue(field: string, kind: FieldKind, op: string, value: unknown): { value: unknown } | string {
  const list = (check: (v: unknown) => string | undefined) => {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST) {
      return `must be an array of 1 to ${MAX_LIST} values`;
    }
    for (const [i, item] of value.entries()) {
      const bad = check(item);
      if (bad !== undefined) return `[${i}] ${bad}`;
    }
    return { value };
  };
  const one = (check: (v: unknown) => string | undefined) => check(value) ?? { value };
  const member = memberCheck(field);
  switch (kind) {
    case 'text':
    case 'set':
    case 'journey':
      return op === 'in' || op === 'notIn' || op === 'hasAny' || op === 'hasNone' ? list(member) : one(member);
    case 'attribute':
      if (op === 'in' || op === 'notIn') return list(scalar);
      if (op === 'eq' || op === 'ne') return one(scalar);
      return op === 'between' ? range(value, finite) : one(finite);
    case 'number':
      return op === 'between' ? range(value, finite) : one(finite);
    case 'time':
      if (op === 'withinLastDays' || op === 'olderThanDays') {
        return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_DAYS
          ? { value }
          : `must be a whole number of days from 0 to ${MAX_DAYS}`;
      }
      if (op === 'between') {
        if (!Array.isArray(value) || value.length !== 2) return 'must be [from, to]';
        const [from, to] = value.map(instant);
        if (from === undefined || to === undefined) return 'both ends must be ISO-8601 instants or epoch ms';
        return from <= to ? { value: [from, to] } : 'from must not be after to';
      }
      return instant(value) === undefined ? 'must be an ISO-8601 instant or epoch ms' : { value: instant(value) };
  }
}

function range(value: unknown, check: (v: unknown) => string | undefined): { value: unknown } | string {
  if (!Array.isArray(value) || value.length !== 2) return 'must be [low, high]';
  const bad = check(value[0]) ?? check(value[1]);
  if (bad !== undefined) return bad;
  return (value[0] as number) <= (value[1] as number) ? { value } : 'low must not be above high';
}

function memberCheck(field: string): (v: unknown) => string | undefined {
  if (field.startsWith('journey.')) return oneOf(JOURNEY_STATES);
  switch (field) {
    case 'platform':
      return oneOf(PLATFORMS);
    case 'channel':
      return oneOf(CHANNELS);
    case 'lifecycleStage':
      return oneOf(LIFECYCLE_STAGES);
    case 'optedInCategory':
      return (v) => (typeof v === 'string' && CATEGORY_NAME.test(v) ? undefined : 'must be a category name');
    default:
      return (v) =>
        typeof v === 'string' && v.length > 0 && v.length <= 256 ? undefined : 'must be a non-empty string';
  }
}

function oneOf(values: readonly string[]): (v: unknown) => string | undefined {
  return (v) => (typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.join(', ')}`);
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length <= 1024 ? undefined : 'is longer than 1024 characters';
  if (typeof v === 'boolean') return undefined;
  return finite(v);
}

function finite(v: unknown): string | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? undefined : 'must be a finite number';
}

function instant(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
