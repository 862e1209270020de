import type { ColumnRef, ComparisonOperator, Condition, Literal, OrderTerm, ParsedQuery } from './ast';
import { ListFilterError } from './errors';
import { tokenize } from './lexer';
import type { Token } from './lexer';

/** Words that cannot be bare attribute names (backquote them: `Order`). */
const RESERVED = new Set([
  'AND',
  'OR',
  'NOT',
  'IN',
  'BETWEEN',
  'IS',
  'NULL',
  'STARTS_WITH',
  'ORDER',
  'GROUP',
  'BY',
  'TRUE',
  'FALSE',
  'LIMIT',
]);

const COMPARISON_OPERATORS: ReadonlySet<string> = new Set(['=', '!=', '<', '<=', '>', '>=']);

/**
 * Parses Temporal's SQL-like list filter: `<condition> [GROUP BY …] [ORDER BY …]`, or just the ORDER BY / GROUP BY
 * part. Precedence as in SQL: OR < AND < NOT < predicates; parentheses group. Keywords are case-insensitive.
 */
export function parseListFilter(query: string): ParsedQuery {
  return new Parser(tokenize(query)).parseQuery();
}

const MAX_NESTING = 100;

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parseQuery(): ParsedQuery {
    const result: ParsedQuery = { orderBy: [], groupBy: [] };
    if (this.peek().kind !== 'end' && !this.atClause('ORDER') && !this.atClause('GROUP')) {
      result.where = this.parseOr();
    }
    if (this.atClause('GROUP')) {
      this.index += 2;
      result.groupBy = this.parseList(() => this.parseColumn('a search attribute name after GROUP BY'));
    }
    if (this.atClause('ORDER')) {
      this.index += 2;
      result.orderBy = this.parseList(() => this.parseOrderTerm());
    }
    const next = this.peek();
    if (this.isKeyword(next, 'LIMIT')) {
      throw new ListFilterError(
        `invalid query: operation is not supported: 'limit' clause (at position ${next.position}); ` +
          `use the page size of the list request`,
        next.position,
      );
    }
    if (next.kind !== 'end') {
      throw this.syntaxError(
        next,
        result.where ? 'AND, OR, GROUP BY, ORDER BY or the end of the query' : 'a condition',
      );
    }
    return result;
  }

  private parseOr(): Condition {
    const operands = [this.parseAnd()];
    while (this.acceptKeyword('OR')) operands.push(this.parseAnd());
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  private parseAnd(): Condition {
    const operands = [this.parseNot()];
    while (this.acceptKeyword('AND')) operands.push(this.parseNot());
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  private parseNot(): Condition {
    if (this.isKeyword(this.peek(), 'NOT')) {
      return this.nested(() => {
        this.index++;
        return { kind: 'not', operand: this.parseNot() };
      });
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Condition {
    if (this.acceptSymbol('(')) {
      return this.nested(() => {
        const inner = this.parseOr();
        this.expectSymbol(')', "')' to close the parenthesis");
        return inner;
      });
    }
    const column = this.parseColumn('a search attribute name, NOT or (');
    return this.parsePredicate(column);
  }

  private parsePredicate(column: ColumnRef): Condition {
    const token = this.peek();
    if (token.kind === 'symbol' && COMPARISON_OPERATORS.has(token.text)) {
      this.index++;
      return { kind: 'compare', column, operator: token.text as ComparisonOperator, value: this.parseLiteral() };
    }
    if (this.acceptKeyword('IS')) {
      const negated = this.acceptKeyword('NOT');
      this.expectKeyword('NULL', negated ? 'NULL after IS NOT' : 'NULL or NOT NULL after IS');
      return { kind: 'isNull', column, negated };
    }
    const negated = this.acceptKeyword('NOT');
    if (this.acceptKeyword('IN')) {
      this.expectSymbol('(', "'(' to open the IN list");
      const values = this.parseList(() => this.parseLiteral());
      this.expectSymbol(')', "',' or ')' to close the IN list");
      return { kind: 'in', column, negated, values };
    }
    if (this.acceptKeyword('BETWEEN')) {
      const from = this.parseLiteral();
      this.expectKeyword('AND', 'AND between the two BETWEEN bounds');
      return { kind: 'between', column, negated, from, to: this.parseLiteral() };
    }
    if (this.acceptKeyword('STARTS_WITH')) {
      return { kind: 'startsWith', column, negated, value: this.parseLiteral() };
    }
    throw this.syntaxError(
      this.peek(),
      negated
        ? 'IN, BETWEEN or STARTS_WITH after NOT'
        : `an operator after '${column.name}' (=, !=, <, <=, >, >=, IN, NOT IN, BETWEEN, STARTS_WITH, IS NULL)`,
    );
  }

  private parseLiteral(): Literal {
    const token = this.peek();
    if (token.kind === 'string') {
      this.index++;
      return { kind: 'string', value: token.text, position: token.position };
    }
    if (token.kind === 'symbol' && (token.text === '-' || token.text === '+')) {
      this.index++;
      const number = this.peek();
      if (number.kind !== 'number') throw this.syntaxError(number, `a number after '${token.text}'`);
      this.index++;
      const sign = token.text === '-' ? -1 : 1;
      return {
        kind: 'number',
        text: `${token.text}${number.text}`,
        value: sign * Number(number.text),
        position: token.position,
      };
    }
    if (token.kind === 'number') {
      this.index++;
      return { kind: 'number', text: token.text, value: Number(token.text), position: token.position };
    }
    if (this.isKeyword(token, 'TRUE') || this.isKeyword(token, 'FALSE')) {
      this.index++;
      return { kind: 'bool', value: token.kind === 'word' && token.upper === 'TRUE', position: token.position };
    }
    if (this.isKeyword(token, 'NULL')) {
      throw new ListFilterError(
        `invalid query: invalid expression: NULL is not a value to compare with (at position ${token.position}); ` +
          `use IS NULL or IS NOT NULL`,
        token.position,
      );
    }
    if ((token.kind === 'word' && !RESERVED.has(token.upper)) || token.kind === 'quotedName') {
      this.index++;
      return { kind: 'name', name: token.text, position: token.position };
    }
    throw this.syntaxError(token, 'a value (a quoted string, a number, TRUE or FALSE)');
  }

  private parseOrderTerm(): OrderTerm {
    const column = this.parseColumn('a search attribute name after ORDER BY');
    if (this.acceptKeyword('DESC')) return { column, descending: true };
    this.acceptKeyword('ASC');
    return { column, descending: false };
  }

  private parseColumn(expected: string): ColumnRef {
    const token = this.peek();
    if ((token.kind === 'word' && !RESERVED.has(token.upper)) || token.kind === 'quotedName') {
      this.index++;
      return { name: token.text, position: token.position };
    }
    if (token.kind === 'string' || token.kind === 'number') {
      throw new ListFilterError(
        `invalid query: invalid expression: must be a column name but was the value ${renderToken(token)} ` +
          `(at position ${token.position}); put the search attribute name on the left`,
        token.position,
      );
    }
    throw this.syntaxError(token, expected);
  }

  /** Parentheses and NOTs nest by recursion: bound it so that no query can exhaust the stack. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) {
      const token = this.peek();
      throw new ListFilterError(
        `invalid query: malformed SQL query: expression nested too deeply at position ${token.position} ` +
          `(at most ${MAX_NESTING} levels of parentheses and NOT)`,
        token.position,
      );
    }
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private parseList<T>(item: () => T): T[] {
    const items = [item()];
    while (this.acceptSymbol(',')) items.push(item());
    return items;
  }

  private atClause(keyword: 'ORDER' | 'GROUP'): boolean {
    return this.isKeyword(this.peek(), keyword) && this.isKeyword(this.tokens[this.index + 1]!, 'BY');
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.upper === keyword;
  }

  private acceptKeyword(keyword: string): boolean {
    if (!this.isKeyword(this.peek(), keyword)) return false;
    this.index++;
    return true;
  }

  private expectKeyword(keyword: string, expected: string): void {
    if (!this.acceptKeyword(keyword)) throw this.syntaxError(this.peek(), expected);
  }

  private acceptSymbol(symbol: string): boolean {
    const token = this.peek();
    if (token.kind !== 'symbol' || token.text !== symbol) return false;
    this.index++;
    return true;
  }

  private expectSymbol(symbol: string, expected: string): void {
    if (!this.acceptSymbol(symbol)) throw this.syntaxError(this.peek(), expected);
  }

  private syntaxError(token: Token, expected: string): ListFilterError {
    const where =
      token.kind === 'end'
        ? `at the end of the query (position ${token.position})`
        : `at position ${token.position} near ${renderToken(token)}`;
    return new ListFilterError(
      `invalid query: malformed SQL query: syntax error ${where}: expected ${expected}`,
      token.position,
    );
  }
}

function renderToken(token: Token): string {
  switch (token.kind) {
    case 'string':
      return `'${token.text}'`;
    case 'quotedName':
      return `\`${token.text}\``;
    case 'word':
    case 'number':
    case 'symbol':
    case 'end':
      return `'${token.text}'`;
  }
}
