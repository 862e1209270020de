import type { ColumnRef, Condition } from './ast';
import { compareValues } from './compare-values';
import { ListFilterError } from './errors';
import type { VisibilityRecord } from './record';
import { fieldValue } from './record-fields';
import type { SearchAttributeRegistry } from './search-attributes';
import { textTokens } from './text-tokens';
import type { SearchAttributeType } from './types';
import { queryValue } from './values';
import type { Field, QueryValue } from './values';

/** SQL's three-valued logic: `null` is "unknown" (a comparison with a missing value); only `true` matches. */
export type Truth = boolean | null;
export type Predicate = (record: VisibilityRecord) => Truth;

const RANGE_TYPES: ReadonlySet<SearchAttributeType> = new Set(['Datetime', 'Double', 'Int', 'Keyword']);

/** Operators per type (temporalio/temporal `store/query/converter.go`: supported*Operators). */
const OPERATORS: Readonly<Record<SearchAttributeType, ReadonlySet<string>>> = {
  Keyword: new Set(['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN', 'STARTS_WITH', 'NOT STARTS_WITH']),
  KeywordList: new Set(['=', '!=', 'IN', 'NOT IN']),
  Text: new Set(['=', '!=']),
  Int: new Set(['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN']),
  Double: new Set(['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN']),
  Datetime: new Set(['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN']),
  Bool: new Set(['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN']),
};

export function resolveField(column: ColumnRef, registry: SearchAttributeRegistry): Field {
  const type = registry.typeOf(column.name);
  if (type === undefined) {
    throw new ListFilterError(
      `invalid query: invalid expression: column name '${column.name}' is not a valid search attribute ` +
        `(at position ${column.position})`,
      column.position,
    );
  }
  return { name: column.name, type, position: column.position };
}

export function compileCondition(condition: Condition, registry: SearchAttributeRegistry): Predicate {
  switch (condition.kind) {
    case 'and': {
      const operands = condition.operands.map((operand) => compileCondition(operand, registry));
      return (r) => all(operands, r);
    }
    case 'or': {
      const operands = condition.operands.map((operand) => compileCondition(operand, registry));
      return (r) => any(operands, r);
    }
    case 'not': {
      const operand = compileCondition(condition.operand, registry);
      return (r) => not(operand(r));
    }
    case 'isNull': {
      const field = resolveField(condition.column, registry);
      return (r) => isMissing(fieldValue(r, field.name)) !== condition.negated;
    }
    case 'compare': {
      const field = resolveField(condition.column, registry);
      checkOperator(field, condition.operator);
      const value = queryValue(field, condition.value);
      if (condition.operator === '=' || condition.operator === '!=') {
        return equality(field, [value], condition.operator === '!=');
      }
      const holds = ORDERING_TESTS[condition.operator];
      return scalar(field, (v) => holds(compareValues(v, value)));
    }
    case 'in': {
      const field = resolveField(condition.column, registry);
      checkOperator(field, condition.negated ? 'NOT IN' : 'IN');
      const values = condition.values.map((literal) => queryValue(field, literal));
      return equality(field, values, condition.negated);
    }
    case 'between': {
      const field = resolveField(condition.column, registry);
      if (!RANGE_TYPES.has(field.type)) {
        throw new ListFilterError(
          `invalid query: invalid expression: cannot do range condition on search attribute '${field.name}' of ` +
            `type ${field.type} (at position ${field.position})`,
          field.position,
        );
      }
      const from = queryValue(field, condition.from);
      const to = queryValue(field, condition.to);
      return scalar(field, (v) => (compareValues(v, from) >= 0 && compareValues(v, to) <= 0) !== condition.negated);
    }
    case 'startsWith': {
      const field = resolveField(condition.column, registry);
      const operator = condition.negated ? 'NOT STARTS_WITH' : 'STARTS_WITH';
      checkOperator(field, operator);
      const prefix = queryValue(field, condition.value);
      if (typeof prefix !== 'string') {
        throw new ListFilterError(
          `invalid query: invalid expression: right-hand side of '${operator}' must be a literal string ` +
            `(at position ${condition.value.position})`,
          condition.value.position,
        );
      }
      return scalar(field, (v) => (typeof v === 'string' && v.startsWith(prefix)) !== condition.negated);
    }
  }
}

const ORDERING_TESTS: Readonly<Record<'<' | '<=' | '>' | '>=', (cmp: number) => boolean>> = {
  '<': (cmp) => cmp < 0,
  '<=': (cmp) => cmp <= 0,
  '>': (cmp) => cmp > 0,
  '>=': (cmp) => cmp >= 0,
};

function checkOperator(field: Field, operator: string): void {
  if (OPERATORS[field.type].has(operator)) return;
  throw new ListFilterError(
    `invalid query: operation is not supported: operator '${operator}' not supported for ${field.type} type ` +
      `search attribute '${field.name}' (at position ${field.position})`,
    field.position,
  );
}

/**
 * A test on a single-valued attribute; a missing value makes it unknown, as SQL's NULL does. A value of the wrong
 * kind for the type (the engine stored something odd) counts as missing rather than comparing by accident.
 */
function scalar(field: Field, test: (value: unknown) => boolean): Predicate {
  const kind = JS_KIND[field.type];
  return (r) => {
    const value = fieldValue(r, field.name);
    return typeof value === kind ? test(value) : null;
  };
}

const JS_KIND: Readonly<Record<SearchAttributeType, 'string' | 'number' | 'boolean'>> = {
  Keyword: 'string',
  Text: 'string',
  KeywordList: 'string',
  Int: 'number',
  Double: 'number',
  Datetime: 'number',
  Bool: 'boolean',
};

/**
 * `=`, `!=`, IN and NOT IN. Keyword and the other scalars compare whole values (missing → unknown). Text matches
 * when any query word is a word of the value; KeywordList when the list contains a value. For those two a missing
 * value simply does not contain anything, so `!=` and NOT IN match it (Temporal's SQLite store answers them with
 * a full-text subquery, `rowid NOT IN (…)`).
 */
function equality(field: Field, values: QueryValue[], negated: boolean): Predicate {
  if (field.type === 'Text') {
    const wanted = new Set(values.flatMap((v) => textTokens(String(v))));
    return (r) => {
      const value = fieldValue(r, field.name);
      const found = typeof value === 'string' && textTokens(value).some((token) => wanted.has(token));
      return found !== negated;
    };
  }
  if (field.type === 'KeywordList') {
    const wanted = new Set(values);
    return (r) => {
      const value = fieldValue(r, field.name);
      const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
      return items.some((item) => wanted.has(item as QueryValue)) !== negated;
    };
  }
  return scalar(field, (v) => values.some((wanted) => compareValues(v, wanted) === 0) !== negated);
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/** AND: false if any operand is false, else unknown if any is unknown, else true. */
function all(operands: Predicate[], r: VisibilityRecord): Truth {
  let result: Truth = true;
  for (const operand of operands) {
    const value = operand(r);
    if (value === false) return false;
    if (value === null) result = null;
  }
  return result;
}

/** OR: true if any operand is true, else unknown if any is unknown, else false. */
function any(operands: Predicate[], r: VisibilityRecord): Truth {
  let result: Truth = false;
  for (const operand of operands) {
    const value = operand(r);
    if (value === true) return true;
    if (value === null) result = null;
  }
  return result;
}

function not(a: Truth): Truth {
  return a === null ? null : !a;
}
