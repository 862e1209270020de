import type { Candidate } from '../domain/types';
import { isolateUserText } from './bidi';
import { truncateGraphemes } from './graphemes';
import type { TextDirection, VariableDeclaration, VariableValue } from './types';

/** Default cut for user-supplied text variables without a declared maxLength. */
export const DEFAULT_TEXT_MAX_LENGTH = 40;

type RawValue = Candidate['variables'][string] | undefined;

/** The candidate's value converted to the declared type, or undefined when missing or unusable. */
export function coerce(declaration: VariableDeclaration, raw: RawValue): VariableValue | undefined {
  switch (declaration.type) {
    case 'text': {
      const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
      return typeof text === 'string' && text.trim() !== '' ? text : undefined;
    }
    case 'number': {
      const n = typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
      return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
    }
    case 'datetime': {
      const ms = typeof raw === 'string' ? Date.parse(raw) : raw;
      return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined;
    }
    case 'choice':
      if (typeof raw === 'boolean' || typeof raw === 'number') return String(raw);
      return typeof raw === 'string' && raw !== '' ? raw : undefined;
  }
}

export function fallbackOf(declaration: VariableDeclaration): VariableValue | undefined {
  if (!('fallback' in declaration)) return undefined;
  return declaration.type === 'datetime' && typeof declaration.fallback === 'string'
    ? Date.parse(declaration.fallback)
    : declaration.fallback;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * A text value ready to splice into a message: cut to its declared length, HTML-escaped for email HTML,
 * and isolated when it is user-supplied (fallbacks are the template's own words and need no isolation).
 */
export function presentText(
  text: string,
  declaration: VariableDeclaration,
  options: { userSupplied: boolean; html: boolean; direction: TextDirection },
): string {
  let out = options.userSupplied ? truncateGraphemes(text, declaration.maxLength ?? DEFAULT_TEXT_MAX_LENGTH) : text;
  if (options.html) out = escapeHtml(out);
  return options.userSupplied ? isolateUserText(out, options.direction) : out;
}
