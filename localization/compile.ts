import { IntlMessageFormat } from 'intl-messageformat';
import { MESSAGE_FIELDS, type MessageField, type TemplateDocument, type VariableType } from './types';

export type MessageFormatElement = ReturnType<IntlMessageFormat['getAst']>[number];

/** How a message uses a variable: `{x}`, `{x, number}`, `{x, date}`, `{x, time}`, `{x, select}`, `{x, plural}`. */
export type Usage = 'argument' | 'number' | 'date' | 'time' | 'select' | 'plural';

export interface CompiledMessage {
  readonly source: string;
  readonly ast: MessageFormatElement[];
  readonly usages: ReadonlyMap<string, ReadonlySet<Usage>>;
  readonly usesDateTime: boolean;
}

export interface CompiledDocument {
  readonly document: TemplateDocument;
  readonly messages: Partial<Record<MessageField, CompiledMessage>>;
}

// Element type tags of the parser's TYPE enum (@formatjs/icu-messageformat-parser is only a transitive dependency).
const LITERAL = 0;
const ARGUMENT = 1;
const NUMBER = 2;
const DATE = 3;
const TIME = 4;
const SELECT = 5;
const PLURAL = 6;

const USAGE_BY_TYPE: Record<number, Usage | undefined> = {
  [ARGUMENT]: 'argument',
  [NUMBER]: 'number',
  [DATE]: 'date',
  [TIME]: 'time',
  [SELECT]: 'select',
  [PLURAL]: 'plural',
};

/** Which usages make sense for each declared variable type. */
export const ALLOWED_USAGES: Record<VariableType, ReadonlySet<Usage>> = {
  text: new Set(['argument']),
  number: new Set(['argument', 'number', 'plural']),
  datetime: new Set(['date', 'time']),
  choice: new Set(['select']),
};

export function messageOf(document: TemplateDocument, field: MessageField): string | undefined {
  return field === 'title' || field === 'body' ? document[field] : document.email?.[field];
}

/**
 * Parses one ICU message. Tags are literal text (email HTML is markup, not ICU tags). A literal `{` or `}`
 * in the parsed output is rejected: it is almost always a quoting mistake (`l'{name}` in ICU makes the
 * placeholder literal) that would put a raw placeholder on a device.
 */
export function compileMessage(
  source: string,
): { ok: true; message: CompiledMessage } | { ok: false; problem: string } {
  let ast: MessageFormatElement[];
  try {
    ast = new IntlMessageFormat(source, 'en', undefined, { ignoreTag: true, requiresOtherClause: true }).getAst();
  } catch (error) {
    return { ok: false, problem: `does not parse as ICU MessageFormat (${(error as Error).message})` };
  }
  const usages = new Map<string, Set<Usage>>();
  const literalBraces: string[] = [];
  let usesDateTime = false;
  const walk = (elements: MessageFormatElement[]): void => {
    for (const element of elements) {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-comparison -- LITERAL mirrors the parser's TYPE.literal (see above)
      if (element.type === LITERAL) {
        if (/[{}]/.test(element.value)) literalBraces.push(element.value.trim());
        continue;
      }
      const usage = USAGE_BY_TYPE[element.type];
      if (usage !== undefined && 'value' in element) {
        const set = usages.get(element.value) ?? new Set<Usage>();
        set.add(usage);
        usages.set(element.value, set);
        if (usage === 'date' || usage === 'time') usesDateTime = true;
      }
      if ('options' in element) for (const option of Object.values(element.options)) walk(option.value);
    }
  };
  walk(ast);
  if (literalBraces.length > 0) {
    return {
      ok: false,
      problem: `contains a literal brace, probably an ICU quoting mistake (an apostrophe before "{"): "${literalBraces[0]}"`,
    };
  }
  return { ok: true, message: { source, ast, usages, usesDateTime } };
}

/** Parses every message of a document; problems are prefixed with the field name. */
export function compileDocument(
  document: TemplateDocument,
): { ok: true; compiled: CompiledDocument } | { ok: false; problems: string[] } {
  const messages: Partial<Record<MessageField, CompiledMessage>> = {};
  const problems: string[] = [];
  for (const field of MESSAGE_FIELDS) {
    const source = messageOf(document, field);
    if (source === undefined) continue;
    const result = compileMessage(source);
    if (result.ok) messages[field] = result.message;
    else problems.push(`${field}: ${result.problem}`);
  }
  return problems.length === 0 ? { ok: true, compiled: { document, messages } } : { ok: false, problems };
}
