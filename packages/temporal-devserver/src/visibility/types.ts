/** Temporal's indexed value types, spelled as its CLI and its Go `IndexedValueType.String()` spell them. */
export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export const SEARCH_ATTRIBUTE_TYPES: readonly SearchAttributeType[] = Object.freeze([
  'Keyword',
  'Text',
  'Int',
  'Double',
  'Bool',
  'Datetime',
  'KeywordList',
]);
