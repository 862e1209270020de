import { SearchAttributeError } from './errors';
import { SEARCH_ATTRIBUTE_TYPES } from './types';
import type { SearchAttributeType } from './types';
import {
  PREDEFINED_SEARCH_ATTRIBUTES,
  SYSTEM_SEARCH_ATTRIBUTES,
  isReservedSearchAttributeName,
  isSystemSearchAttribute,
  predefinedTypeOf,
} from './system-attributes';

export { SearchAttributeError } from './errors';
export type { SearchAttributeErrorCode } from './errors';
export type { SearchAttributeType } from './types';
export { SEARCH_ATTRIBUTE_TYPES } from './types';
export {
  applySearchAttributeUpsert,
  decodeSearchAttributes,
  encodeSearchAttributes,
} from './search-attribute-payloads';
export type { SearchAttributePayload } from './search-attribute-payloads';

const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_NAME_LENGTH = 255;

/**
 * The search attributes of one namespace: the custom ones registered at launch or through OperatorService, plus
 * Temporal's system and predefined ones (queryable, not registrable, not removable).
 */
export class SearchAttributeRegistry {
  private readonly custom = new Map<string, SearchAttributeType>();

  constructor(initial?: Record<string, SearchAttributeType>) {
    for (const [name, type] of Object.entries(initial ?? {})) this.add(name, type);
  }

  /** Registers a custom attribute. Registering the same name with the same type again is a no-op. */
  add(name: string, type: SearchAttributeType): void {
    if (!SEARCH_ATTRIBUTE_TYPES.includes(type)) {
      throw new SearchAttributeError(`Unknown search attribute type: ${String(type)}.`);
    }
    if (isReservedSearchAttributeName(name)) {
      throw new SearchAttributeError(`Search attribute ${name} is reserved by system.`);
    }
    if (!VALID_NAME.test(name) || name.length > MAX_NAME_LENGTH) {
      throw new SearchAttributeError(
        `Search attribute name ${JSON.stringify(name)} is not valid: use 1 to ${MAX_NAME_LENGTH} letters, digits ` +
          `and underscores, not starting with a digit.`,
      );
    }
    const existing = this.custom.get(name);
    if (existing === type) return;
    if (existing !== undefined) {
      throw new SearchAttributeError(`Search attribute ${name} already exists (as ${existing}).`, 'ALREADY_EXISTS');
    }
    this.custom.set(name, type);
  }

  remove(name: string): void {
    if (this.custom.delete(name)) return;
    if (isSystemSearchAttribute(name) || predefinedTypeOf(name) !== undefined) {
      throw new SearchAttributeError(`Unable to remove non-custom search attributes: ${name}.`);
    }
    throw new SearchAttributeError(`Search attribute ${name} doesn't exist.`, 'NOT_FOUND');
  }

  /** The custom attributes only. */
  types(): Record<string, SearchAttributeType> {
    return Object.fromEntries(this.custom);
  }

  /** System and predefined attributes, as `ListSearchAttributes` reports them in `systemAttributes`. */
  systemTypes(): Record<string, SearchAttributeType> {
    return { ...SYSTEM_SEARCH_ATTRIBUTES, ...PREDEFINED_SEARCH_ATTRIBUTES };
  }

  /** True for any name a query may use: custom, system or predefined. */
  has(name: string): boolean {
    return this.typeOf(name) !== undefined;
  }

  isCustom(name: string): boolean {
    return this.custom.has(name);
  }

  typeOf(name: string): SearchAttributeType | undefined {
    return (
      this.custom.get(name) ??
      (isSystemSearchAttribute(name) ? SYSTEM_SEARCH_ATTRIBUTES[name] : undefined) ??
      predefinedTypeOf(name)
    );
  }
}

const INDEXED_VALUE_TYPE: Readonly<Record<SearchAttributeType, string>> = Object.freeze({
  Text: 'INDEXED_VALUE_TYPE_TEXT',
  Keyword: 'INDEXED_VALUE_TYPE_KEYWORD',
  Int: 'INDEXED_VALUE_TYPE_INT',
  Double: 'INDEXED_VALUE_TYPE_DOUBLE',
  Bool: 'INDEXED_VALUE_TYPE_BOOL',
  Datetime: 'INDEXED_VALUE_TYPE_DATETIME',
  KeywordList: 'INDEXED_VALUE_TYPE_KEYWORD_LIST',
});

/** Accepts the CLI spellings (`Keyword`, `keywordlist`, …, case-insensitive) and the proto enum names. */
export function parseSearchAttributeType(s: string): SearchAttributeType {
  const wanted = s.trim().toLowerCase();
  for (const type of SEARCH_ATTRIBUTE_TYPES) {
    if (type.toLowerCase() === wanted || INDEXED_VALUE_TYPE[type].toLowerCase() === wanted) return type;
  }
  throw new SearchAttributeError(
    `Unknown search attribute type: ${s}. Use one of ${SEARCH_ATTRIBUTE_TYPES.join(', ')} (or the proto enum names).`,
  );
}

export function toIndexedValueType(t: SearchAttributeType): string {
  return INDEXED_VALUE_TYPE[t];
}
