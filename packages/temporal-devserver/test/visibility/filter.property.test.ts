/**
 * Property tests: random condition trees are rendered to list-filter text and evaluated twice, once by the
 * compiled filter and once by a direct evaluator written here from the documented semantics; random text never
 * makes the compiler throw anything but ListFilterError; the order is a consistent total order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileListFilter, ListFilterError } from '../../src/visibility/filter';
import type { VisibilityRecord } from '../../src/visibility/filter';
import { record, testRegistry } from './fixtures';

type Kind = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList' | 'Status';
const FIELDS: ReadonlyArray<{ name: string; kind: Kind }> = [
  { name: 'CustomKeyword', kind: 'Keyword' },
  { name: 'WorkflowId', kind: 'Keyword' },
  { name: 'CustomText', kind: 'Text' },
  { name: 'CustomInt', kind: 'Int' },
  { name: 'CustomDouble', kind: 'Double' },
  { name: 'CustomBool', kind: 'Bool' },
  { name: 'CustomDatetime', kind: 'Datetime' },
  { name: 'StartTime', kind: 'Datetime' },
  { name: 'CloseTime', kind: 'Datetime' },
  { name: 'CustomKeywordList', kind: 'KeywordList' },
  { name: 'ExecutionStatus', kind: 'Status' },
];
const STATUSES = ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew', 'TimedOut'] as const;
const KEYWORDS = ['a', 'b', 'ab', 'ba', "it's", 'A'];
const INSTANTS = [0, 1, 2, 3].map((i) => Date.UTC(2024, 0, 1 + i));
const TEXTS = ['x y', 'y-z', 'Z', 'w'];
const WORDS = ['x', 'y', 'z', 'w', 'x y', 'q z'];

type Value = string | number | boolean;
type Leaf =
  | { kind: 'cmp'; field: (typeof FIELDS)[number]; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Value }
  | { kind: 'in'; field: (typeof FIELDS)[number]; negated: boolean; values: Value[] }
  | { kind: 'between'; field: (typeof FIELDS)[number]; negated: boolean; from: Value; to: Value }
  | { kind: 'startsWith'; field: (typeof FIELDS)[number]; negated: boolean; value: string }
  | { kind: 'isNull'; field: (typeof FIELDS)[number]; negated: boolean };
type Tree = Leaf | { kind: 'and' | 'or'; left: Tree; right: Tree } | { kind: 'not'; operand: Tree };

function valueArb(kind: Kind): fc.Arbitrary<Value> {
  switch (kind) {
    case 'Keyword':
    case 'KeywordList':
      return fc.constantFrom(...KEYWORDS);
    case 'Text':
      return fc.constantFrom(...WORDS);
    case 'Int':
      return fc.integer({ min: -3, max: 3 });
    case 'Double':
      return fc.constantFrom(-1.5, 0, 0.5, 2, 3);
    case 'Bool':
      return fc.boolean();
    case 'Datetime':
      return fc.constantFrom(...INSTANTS);
    case 'Status':
      return fc.constantFrom(...STATUSES);
  }
}

const ORDERED: ReadonlySet<Kind> = new Set(['Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'Status']);
const RANGED: ReadonlySet<Kind> = new Set(['Keyword', 'Int', 'Double', 'Datetime']);

const leafArb: fc.Arbitrary<Leaf> = fc.constantFrom(...FIELDS).chain((field): fc.Arbitrary<Leaf> => {
  const v = valueArb(field.kind);
  const options: fc.Arbitrary<Leaf>[] = [
    fc.record({
      kind: fc.constant('cmp' as const),
      field: fc.constant(field),
      op: ORDERED.has(field.kind) ? fc.constantFrom('=', '!=', '<', '<=', '>', '>=') : fc.constantFrom('=', '!='),
      value: v,
    }),
    fc.record({ kind: fc.constant('isNull' as const), field: fc.constant(field), negated: fc.boolean() }),
  ];
  if (field.kind !== 'Text') {
    options.push(
      fc.record({
        kind: fc.constant('in' as const),
        field: fc.constant(field),
        negated: fc.boolean(),
        values: fc.array(v, { minLength: 1, maxLength: 3 }),
      }),
    );
  }
  if (RANGED.has(field.kind)) {
    options.push(
      fc.record({
        kind: fc.constant('between' as const),
        field: fc.constant(field),
        negated: fc.boolean(),
        from: v,
        to: v,
      }),
    );
  }
  if (field.kind === 'Keyword') {
    options.push(
      fc.record({
        kind: fc.constant('startsWith' as const),
        field: fc.constant(field),
        negated: fc.boolean(),
        value: fc.constantFrom('', 'a', 'b', "it'"),
      }),
    );
  }
  return fc.oneof(...options);
});

const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('tree'), right: tie('tree') }),
    fc.record({ kind: fc.constant('not' as const), operand: tie('tree') }),
  ),
})).tree;

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const recordArb: fc.Arbitrary<VisibilityRecord> = fc
  .record({
    workflowId: fc.constantFrom(...KEYWORDS),
    status: fc.constantFrom(...STATUSES),
    startTime: fc.constantFrom(...INSTANTS),
    closeTime: maybe(fc.constantFrom(...INSTANTS)),
    runId: fc.constantFrom('r1', 'r2', 'r3'),
    CustomKeyword: maybe(fc.constantFrom(...KEYWORDS)),
    CustomText: maybe(fc.constantFrom(...TEXTS)),
    CustomInt: maybe(fc.integer({ min: -3, max: 3 })),
    CustomDouble: maybe(fc.constantFrom(-1.5, 0, 0.5, 2, 3)),
    CustomBool: maybe(fc.boolean()),
    CustomDatetime: maybe(fc.constantFrom(...INSTANTS)),
    CustomKeywordList: maybe(fc.subarray(['a', 'b', 'ab'], { minLength: 1 })),
  })
  .map(({ workflowId, status, startTime, closeTime, runId, ...custom }) =>
    record({
      workflowId,
      status,
      startTime,
      runId,
      ...(closeTime === undefined ? {} : { closeTime }),
      searchAttributes: Object.fromEntries(Object.entries(custom).filter(([, v]) => v !== undefined)),
    }),
  );

// ---- rendering -------------------------------------------------------------------------------------------------

interface Style {
  lowerKeywords: boolean;
  doubleQuotes: boolean;
  backquote: boolean;
  extraParens: boolean;
  datetimeAsNanos: boolean;
}

function kw(word: string, style: Style): string {
  return style.lowerKeywords ? word.toLowerCase() : word;
}

function renderValue(value: Value, kind: Kind, style: Style): string {
  if (kind === 'Datetime') {
    return style.datetimeAsNanos ? `${BigInt(value) * 1_000_000n}` : `'${new Date(value as number).toISOString()}'`;
  }
  if (typeof value === 'string') {
    return style.doubleQuotes ? `"${value.replace(/"/g, '""')}"` : `'${value.replace(/'/g, "''")}'`;
  }
  if (typeof value === 'boolean') return kw(value ? 'TRUE' : 'FALSE', style);
  return String(value);
}

function renderLeaf(leaf: Leaf, style: Style): string {
  const col = style.backquote ? `\`${leaf.field.name}\`` : leaf.field.name;
  const not = (negated: boolean) => (negated ? `${kw('NOT', style)} ` : '');
  switch (leaf.kind) {
    case 'cmp':
      return `${col} ${leaf.op} ${renderValue(leaf.value, leaf.field.kind, style)}`;
    case 'in':
      return `${col} ${not(leaf.negated)}${kw('IN', style)} (${leaf.values.map((v) => renderValue(v, leaf.field.kind, style)).join(', ')})`;
    case 'between':
      return `${col} ${not(leaf.negated)}${kw('BETWEEN', style)} ${renderValue(leaf.from, leaf.field.kind, style)} ${kw('AND', style)} ${renderValue(leaf.to, leaf.field.kind, style)}`;
    case 'startsWith':
      return `${col} ${not(leaf.negated)}${kw('STARTS_WITH', style)} ${renderValue(leaf.value, 'Keyword', style)}`;
    case 'isNull':
      return `${col} ${kw('IS', style)} ${not(leaf.negated)}${kw('NULL', style)}`;
  }
}

const PRECEDENCE = { or: 1, and: 2, not: 3, leaf: 4 } as const;
const precedence = (tree: Tree): number =>
  tree.kind === 'or' || tree.kind === 'and' || tree.kind === 'not' ? PRECEDENCE[tree.kind] : PRECEDENCE.leaf;

/** Minimal parentheses by SQL precedence (OR < AND < NOT), plus redundant ones when the style asks. */
function render(tree: Tree, style: Style): string {
  const wrap = (child: Tree, minPrecedence: number): string => {
    const text = render(child, style);
    return precedence(child) < minPrecedence || (style.extraParens && precedence(child) < PRECEDENCE.leaf)
      ? `(${text})`
      : text;
  };
  switch (tree.kind) {
    case 'and':
    case 'or':
      return `${wrap(tree.left, PRECEDENCE[tree.kind])} ${kw(tree.kind.toUpperCase(), style)} ${wrap(tree.right, PRECEDENCE[tree.kind] + 1)}`;
    case 'not':
      return `${kw('NOT', style)} ${wrap(tree.operand, PRECEDENCE.not)}`;
    default:
      return renderLeaf(tree, style);
  }
}

// ---- the reference evaluator ------------------------------------------------------------------------------------

type Truth = boolean | null;

function valueOf(r: VisibilityRecord, name: string): unknown {
  const system: Record<string, unknown> = {
    WorkflowId: r.workflowId,
    StartTime: r.startTime,
    CloseTime: r.closeTime,
    ExecutionStatus: r.status,
  };
  return name in system ? system[name] : r.searchAttributes[name];
}

const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
const cmp = (a: Value, b: Value): number => (a < b ? -1 : a > b ? 1 : 0);

function evaluateLeaf(leaf: Leaf, r: VisibilityRecord): Truth {
  const v = valueOf(r, leaf.field.name);
  if (leaf.kind === 'isNull') return (v === undefined) !== leaf.negated;
  if (leaf.field.kind === 'Text') {
    // Only = and != reach here for Text.
    const leafCmp = leaf as Extract<Leaf, { kind: 'cmp' }>;
    const hit = typeof v === 'string' && words(String(leafCmp.value)).some((w) => words(v).includes(w));
    return hit !== (leafCmp.op === '!=');
  }
  if (leaf.field.kind === 'KeywordList') {
    const list = (v as string[] | undefined) ?? [];
    const wanted = leaf.kind === 'in' ? leaf.values : [(leaf as Extract<Leaf, { kind: 'cmp' }>).value];
    const negated = leaf.kind === 'in' ? leaf.negated : (leaf as Extract<Leaf, { kind: 'cmp' }>).op === '!=';
    return wanted.some((w) => list.includes(w as string)) !== negated;
  }
  if (v === undefined) return null;
  const x = v as Value;
  switch (leaf.kind) {
    case 'cmp': {
      const c = cmp(x, leaf.value);
      return { '=': c === 0, '!=': c !== 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0 }[leaf.op];
    }
    case 'in':
      return leaf.values.includes(x) !== leaf.negated;
    case 'between':
      return (cmp(x, leaf.from) >= 0 && cmp(x, leaf.to) <= 0) !== leaf.negated;
    case 'startsWith':
      return String(x).startsWith(leaf.value) !== leaf.negated;
  }
}

function evaluate(tree: Tree, r: VisibilityRecord): Truth {
  switch (tree.kind) {
    case 'and': {
      const [a, b] = [evaluate(tree.left, r), evaluate(tree.right, r)];
      return a === false || b === false ? false : a === null || b === null ? null : true;
    }
    case 'or': {
      const [a, b] = [evaluate(tree.left, r), evaluate(tree.right, r)];
      return a === true || b === true ? true : a === null || b === null ? null : false;
    }
    case 'not': {
      const a = evaluate(tree.operand, r);
      return a === null ? null : !a;
    }
    default:
      return evaluateLeaf(tree, r);
  }
}

const styleArb: fc.Arbitrary<Style> = fc.record({
  lowerKeywords: fc.boolean(),
  doubleQuotes: fc.boolean(),
  backquote: fc.boolean(),
  extraParens: fc.boolean(),
  datetimeAsNanos: fc.boolean(),
});

describe('list filter properties', () => {
  it('the compiled filter agrees with a direct evaluation of the expression tree', () => {
    const registry = testRegistry();
    fc.assert(
      fc.property(treeArb, styleArb, fc.array(recordArb, { minLength: 1, maxLength: 8 }), (tree, style, records) => {
        const query = render(tree, style);
        const filter = compileListFilter(query, registry);
        for (const r of records) {
          expect(filter.matches(r), `${query} on ${JSON.stringify(r)}`).toBe(evaluate(tree, r) === true);
        }
      }),
      { numRuns: 1500 },
    );
  });

  const vocabulary = [
    'WorkflowId',
    'CustomInt',
    'CustomText',
    'CustomKeywordList',
    'ExecutionStatus',
    'StartTime',
    'Unknown',
    '`x y`',
    'AND',
    'OR',
    'NOT',
    'IN',
    'BETWEEN',
    'STARTS_WITH',
    'IS',
    'NULL',
    'ORDER',
    'BY',
    'GROUP',
    'ASC',
    'DESC',
    'LIMIT',
    'TRUE',
    'false',
    '=',
    '!=',
    '<>',
    '<',
    '<=',
    '>',
    '>=',
    '(',
    ')',
    ',',
    '-',
    '+',
    "'a'",
    '"b"',
    "'2024-01-01T00:00:00Z'",
    "'Running'",
    '1',
    '-2.5',
    '1e3',
    '.5',
    "'",
    '"',
    '`',
    ';',
    '*',
    '\\',
    '😀',
    '\u0000',
  ];

  it('token soup and random text only ever throw ListFilterError, with a position inside the query', () => {
    const registry = testRegistry();
    const soup = fc.array(fc.constantFrom(...vocabulary), { maxLength: 14 }).map((tokens) => tokens.join(' '));
    fc.assert(
      fc.property(
        fc.oneof(soup, fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 40 })),
        (query) => {
          try {
            const filter = compileListFilter(query, registry, { allowGroupBy: true });
            const r = record({ workflowId: 'a', searchAttributes: { CustomInt: 1 } });
            expect(typeof filter.matches(r)).toBe('boolean');
            expect(Number.isFinite(filter.compare(r, r))).toBe(true);
          } catch (err) {
            if (!(err instanceof ListFilterError)) throw err;
            expect(err.message).toMatch(/^invalid query: /);
            if (err.position !== undefined) {
              expect(err.position).toBeGreaterThanOrEqual(1);
              expect(err.position).toBeLessThanOrEqual(query.length + 1);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('orders as a consistent total order, default and ORDER BY alike', () => {
    const registry = testRegistry();
    const orderBy = fc.constantFrom(
      '',
      'ORDER BY CustomInt',
      'ORDER BY CustomInt DESC, WorkflowId',
      'ORDER BY CustomKeywordList DESC',
      'ORDER BY CloseTime ASC',
      'ORDER BY CustomBool DESC, CustomDatetime',
    );
    fc.assert(
      fc.property(orderBy, recordArb, recordArb, recordArb, (query, a, b, c) => {
        const { compare } = compileListFilter(query, registry);
        expect(Math.sign(compare(a, b))).toBe(-Math.sign(compare(b, a)) || 0);
        expect(compare(a, a)).toBe(0);
        if (compare(a, b) <= 0 && compare(b, c) <= 0) expect(compare(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });
});
