import { ELLIPSIS, graphemes } from './graphemes';

/** APNs and FCM both cap the payload at 4 KB. */
export const DEFAULT_PUSH_PAYLOAD_LIMIT = 4096;

/**
 * Keys whose string values may be shortened, in the order they give way: the body first, then the title.
 * `alert` covers the APNs short form where `aps.alert` is the body string itself.
 */
const SHORTENABLE_KEYS = ['body', 'alert', 'title'] as const;

export class PayloadTooLargeError extends Error {
  constructor(
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `push payload is ${sizeBytes} bytes after shortening every body and title; the limit is ${limitBytes} bytes (reduce the data fields)`,
    );
    this.name = 'PayloadTooLargeError';
  }
}

/**
 * Returns `payload` unchanged when `JSON.stringify(payload)` fits in `limitBytes` UTF-8 bytes; otherwise a copy
 * whose longest `body` fields, then `title` fields, are cut at a grapheme boundary and end in an ellipsis,
 * just enough to fit. Never splits an emoji, ZWJ sequence or surrogate pair. Throws PayloadTooLargeError
 * when even the shortest text cannot make it fit (the rest of the payload is too large).
 */
export function fitPushPayload<T extends object>(payload: T, limitBytes: number = DEFAULT_PUSH_PAYLOAD_LIMIT): T {
  if (!Number.isInteger(limitBytes) || limitBytes <= 0) {
    throw new RangeError(`limitBytes must be a positive integer, got ${limitBytes}`);
  }
  let size = jsonByteLength(payload);
  if (size <= limitBytes) return payload;
  const copy = structuredClone(payload);
  for (const key of SHORTENABLE_KEYS) {
    const fields = stringFields(copy, key).sort((a, b) => jsonStringCost(b.value) - jsonStringCost(a.value));
    for (const field of fields) {
      if (size <= limitBytes) break;
      const shortened = shorten(field.value, size - limitBytes);
      field.holder[key] = shortened.text;
      size -= shortened.savedBytes;
    }
  }
  size = jsonByteLength(copy);
  if (size > limitBytes) throw new PayloadTooLargeError(size, limitBytes);
  return copy;
}

function jsonByteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

interface StringField {
  holder: Record<string, unknown>;
  value: string;
}

function stringFields(node: unknown, key: string, out: StringField[] = []): StringField[] {
  if (Array.isArray(node)) for (const item of node) stringFields(item, key, out);
  else if (node !== null && typeof node === 'object') {
    const holder = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(holder)) {
      if (k === key && typeof v === 'string') out.push({ holder, value: v });
      else stringFields(v, key, out);
    }
  }
  return out;
}

const ELLIPSIS_COST = jsonStringCost(ELLIPSIS);

/** The longest grapheme prefix plus ellipsis that saves at least `excessBytes`, or as much as possible. */
function shorten(text: string, excessBytes: number): { text: string; savedBytes: number } {
  const original = jsonStringCost(text);
  const budget = original - excessBytes - ELLIPSIS_COST;
  let prefix = '';
  let cost = 0;
  for (const grapheme of graphemes(text)) {
    const next = jsonStringCost(grapheme);
    if (cost + next > budget) break;
    prefix += grapheme;
    cost += next;
  }
  const shortened = prefix.trimEnd() + ELLIPSIS;
  const saved = original - jsonStringCost(shortened);
  // A text already shorter than the ellipsis cannot give anything back.
  return saved > 0 ? { text: shortened, savedBytes: saved } : { text, savedBytes: 0 };
}

/** UTF-8 bytes of `text` inside a JSON string literal, without the quotes (as JSON.stringify escapes it). */
export function jsonStringCost(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) bytes += 2;
    else if (c < 0x20) bytes += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    else if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 6; // a lone surrogate is escaped as \uXXXX
    } else if (c >= 0xdc00 && c <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}
