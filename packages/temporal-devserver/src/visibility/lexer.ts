import { ListFilterError } from './errors';

export type Token =
  | { kind: 'word'; text: string; upper: string; position: number } // bare identifier or keyword
  | { kind: 'quotedName'; text: string; position: number } // `backquoted`
  | { kind: 'string'; text: string; position: number }
  | { kind: 'number'; text: string; position: number }
  | { kind: 'symbol'; text: SymbolText; position: number }
  | { kind: 'end'; text: ''; position: number };

export type SymbolText = '=' | '!=' | '<' | '<=' | '>' | '>=' | '(' | ')' | ',' | '-' | '+';

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_$]/;
const DIGIT = /[0-9]/;
const NUMBER = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;

/** MySQL escapes inside quoted strings, as the sqlparser Temporal uses reads them. */
const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
};

/** Splits a list filter into tokens; positions are 1-based character offsets into the query. */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const syntaxError = (at: number, near: string, detail: string): ListFilterError =>
    new ListFilterError(
      `invalid query: malformed SQL query: syntax error at position ${at + 1} near '${near}': ${detail}`,
      at + 1,
    );

  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (WORD_START.test(c)) {
      while (i < query.length && WORD_PART.test(query[i]!)) i++;
      const text = query.slice(start, i);
      tokens.push({ kind: 'word', text, upper: text.toUpperCase(), position: start + 1 });
      continue;
    }
    if (DIGIT.test(c) || (c === '.' && DIGIT.test(query[i + 1] ?? ''))) {
      const m = NUMBER.exec(query.slice(i))!;
      i += m[0].length;
      if (i < query.length && WORD_PART.test(query[i]!)) {
        throw syntaxError(start, query.slice(start, i + 1), 'a number cannot run into a name (quote the value?)');
      }
      tokens.push({ kind: 'number', text: m[0], position: start + 1 });
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const { text, end } = readQuoted(query, i, c);
      if (end < 0) {
        const what = c === '`' ? 'name' : 'string';
        throw syntaxError(start, query.slice(start, start + 20), `unterminated ${what} (missing closing ${c})`);
      }
      i = end;
      tokens.push(
        c === '`' ? { kind: 'quotedName', text, position: start + 1 } : { kind: 'string', text, position: start + 1 },
      );
      continue;
    }
    const two = query.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'symbol', text: two === '<>' ? '!=' : two, position: start + 1 });
      i += 2;
      continue;
    }
    if ('=<>(),-+'.includes(c)) {
      tokens.push({ kind: 'symbol', text: c as SymbolText, position: start + 1 });
      i++;
      continue;
    }
    throw syntaxError(start, c, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'end', text: '', position: query.length + 1 });
  return tokens;
}

/** Reads a quoted run starting at `open`; a doubled quote stands for itself; backslash escapes apply to strings. */
function readQuoted(query: string, open: number, quote: string): { text: string; end: number } {
  let text = '';
  let i = open + 1;
  while (i < query.length) {
    const c = query[i]!;
    if (c === quote) {
      if (query[i + 1] === quote) {
        text += quote;
        i += 2;
        continue;
      }
      return { text, end: i + 1 };
    }
    if (c === '\\' && quote !== '`' && i + 1 < query.length) {
      const next = query[i + 1]!;
      text += ESCAPES[next] ?? next;
      i += 2;
      continue;
    }
    text += c;
    i++;
  }
  return { text, end: -1 };
}
