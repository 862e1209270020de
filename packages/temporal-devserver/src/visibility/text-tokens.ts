/**
 * Word tokens of a Text value, close to SQLite FTS5's default `unicode61` tokenizer that Temporal's dev server
 * indexes Text attributes with: split on anything that is not a letter or digit, case-folded, diacritics removed.
 * So `my-business-id-foobar` holds the tokens my, business, id and foobar.
 */
export function textTokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0);
}
