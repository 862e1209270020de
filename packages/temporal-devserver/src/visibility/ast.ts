/** The parsed form of a list filter, before its names and values are checked against the registry. */

export interface ColumnRef {
  name: string;
  position: number;
}

export type Literal =
  | { kind: 'string'; value: string; position: number }
  | { kind: 'number'; text: string; value: number; position: number }
  | { kind: 'bool'; value: boolean; position: number }
  /** A bare name where a value belongs: kept so the checker can say "did you forget to quote it?". */
  | { kind: 'name'; name: string; position: number };

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  /** Two or more operands; a chain `a AND b AND c` is one node, so long filters do not nest deeply. */
  | { kind: 'and' | 'or'; operands: Condition[] }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; column: ColumnRef; operator: ComparisonOperator; value: Literal }
  | { kind: 'in'; column: ColumnRef; negated: boolean; values: Literal[] }
  | { kind: 'between'; column: ColumnRef; negated: boolean; from: Literal; to: Literal }
  | { kind: 'startsWith'; column: ColumnRef; negated: boolean; value: Literal }
  | { kind: 'isNull'; column: ColumnRef; negated: boolean };

export interface OrderTerm {
  column: ColumnRef;
  descending: boolean;
}

export interface ParsedQuery {
  where?: Condition | undefined;
  orderBy: OrderTerm[];
  groupBy: ColumnRef[];
}
