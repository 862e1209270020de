import type { Literal } from './ast';
import { parseRfc3339 } from './datetime';
import { ListFilterError } from './errors';
import { EXECUTION_STATUS_CODES } from './record';
import { textTokens } from './text-tokens';
import type { SearchAttributeType } from './types';

/** A checked query value: what a record's value is compared with. */
export type QueryValue = string | number | boolean;

export interface Field {
  name: string;
  type: SearchAttributeType;
  position: number;
}

/**
 * Checks a literal against the attribute's type and converts it to the record representation
 * (temporalio/temporal `store/query/converter.go`, `parseSQLVal` / `validateValueType`).
 */
export function queryValue(field: Field, literal: Literal): QueryValue {
  if (literal.kind === 'name') {
    throw new ListFilterError(
      `invalid query: operation is not supported: column name on the right side of comparison expression ` +
        `(did you forget to quote '${literal.name}'?) (at position ${literal.position})`,
      literal.position,
    );
  }
  if (field.name === 'ExecutionStatus') return executionStatus(literal);
  if (field.name === 'ExecutionDuration') return executionDuration(literal);
  switch (field.type) {
    case 'Keyword':
    case 'KeywordList':
      if (literal.kind === 'string') return literal.value;
      break;
    case 'Text':
      if (literal.kind === 'string') {
        if (textTokens(literal.value).length === 0) {
          throw new ListFilterError(
            `invalid query: invalid expression: no tokens found filtering on Text type search attribute ` +
              `${field.name} (at position ${literal.position})`,
            literal.position,
          );
        }
        return literal.value;
      }
      break;
    case 'Int':
    case 'Double':
      if (literal.kind === 'number') return literal.value;
      break;
    case 'Bool':
      if (literal.kind === 'bool') return literal.value;
      break;
    case 'Datetime':
      return datetime(field, literal);
  }
  throw invalidValueType(field, literal);
}

function datetime(field: Field, literal: Exclude<Literal, { kind: 'name' }>): number {
  if (literal.kind === 'string') {
    const epochMs = parseRfc3339(literal.value);
    if (epochMs === undefined) {
      throw new ListFilterError(
        `invalid query: invalid expression: unable to parse datetime '${literal.value}' ` +
          `(at position ${literal.position}); use RFC 3339, e.g. '2024-01-02T15:04:05Z'`,
        literal.position,
      );
    }
    return epochMs;
  }
  if (literal.kind === 'number' && /^[+-]?\d+$/.test(literal.text)) {
    // Unix nanoseconds, as Temporal accepts; kept to the microsecond like its SQL stores.
    return Number(BigInt(literal.text) / 1000n) / 1000;
  }
  throw invalidValueType(field, literal);
}

const STATUS_NAMES = new Map<string, string>();
for (const name of Object.values(EXECUTION_STATUS_CODES)) {
  STATUS_NAMES.set(name, name);
  STATUS_NAMES.set(`WORKFLOW_EXECUTION_STATUS_${name.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toUpperCase()}`, name);
}

function executionStatus(literal: Exclude<Literal, { kind: 'name' }>): string {
  const name =
    literal.kind === 'string'
      ? STATUS_NAMES.get(literal.value)
      : literal.kind === 'number'
        ? EXECUTION_STATUS_CODES[literal.value]
        : undefined;
  if (name !== undefined) return name;
  const shown = literal.kind === 'string' ? `'${literal.value}'` : String(literal.value);
  throw new ListFilterError(
    `invalid query: invalid expression: invalid ExecutionStatus value ${shown} (at position ${literal.position}); ` +
      `use one of ${Object.values(EXECUTION_STATUS_CODES)
        .filter((s) => s !== 'Unspecified')
        .join(', ')}`,
    literal.position,
  );
}

const DURATION_UNITS_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86_400e9,
  w: 604_800e9,
};
const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h|d|w)/y;

/** ExecutionDuration in nanoseconds: an integer, or a duration such as '1h30m', '90s', '1.5h'. */
function executionDuration(literal: Exclude<Literal, { kind: 'name' }>): number {
  if (literal.kind === 'number') return literal.value;
  if (literal.kind === 'string' && literal.value.length > 0) {
    let total = 0;
    DURATION_PART.lastIndex = 0;
    while (DURATION_PART.lastIndex < literal.value.length) {
      const m = DURATION_PART.exec(literal.value);
      if (!m) break;
      total += Number(m[1]) * DURATION_UNITS_NS[m[2]!]!;
      if (DURATION_PART.lastIndex === literal.value.length) return total;
    }
  }
  throw new ListFilterError(
    `invalid query: invalid expression: invalid duration value for search attribute ExecutionDuration: ` +
      `${renderLiteral(literal)} (at position ${literal.position}); use nanoseconds or a duration like '1h30m'`,
    literal.position,
  );
}

function invalidValueType(field: Field, literal: Exclude<Literal, { kind: 'name' }>): ListFilterError {
  const kind = literal.kind === 'bool' ? 'a boolean' : literal.kind === 'number' ? 'a number' : 'a string';
  return new ListFilterError(
    `invalid query: invalid expression: invalid value type for search attribute ${field.name} of type ` +
      `${field.type}: ${renderLiteral(literal)} is ${kind} (at position ${literal.position})`,
    literal.position,
  );
}

function renderLiteral(literal: Exclude<Literal, { kind: 'name' }>): string {
  switch (literal.kind) {
    case 'string':
      return `'${literal.value}'`;
    case 'number':
      return literal.text;
    case 'bool':
      return literal.value ? 'true' : 'false';
  }
}
