import type { TextDirection } from './types';
import { nth } from '../domain/present';

export const DEFAULT_LOCALE = 'en';

/** Canonical base name (`pt_br` → `pt-BR`, `iw` → `he`, extensions dropped); undefined when not a valid tag. */
export function canonicalLocale(tag: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.trim().replace(/_/g, '-'));
    return canonical === undefined ? undefined : new Intl.Locale(canonical).baseName;
  } catch {
    return undefined;
  }
}

/**
 * RFC 4647 lookup chain ending in the default locale: `pt-BR` → `pt-BR`, `pt`, `en`;
 * `zh-Hant-TW` → `zh-Hant-TW`, `zh-Hant`, `zh`, `en`. An invalid tag yields just the default.
 */
export function fallbackChain(tag: string, defaultLocale: string = DEFAULT_LOCALE): string[] {
  const chain: string[] = [];
  const canonical = canonicalLocale(tag);
  if (canonical !== undefined) {
    const subtags = canonical.split('-');
    for (let n = subtags.length; n > 0; n--) chain.push(subtags.slice(0, n).join('-'));
  }
  if (!chain.includes(defaultLocale)) chain.push(defaultLocale);
  return chain;
}

export function languageOf(locale: string): string {
  return nth(locale.split('-'), 0).toLowerCase();
}

const RTL_LANGUAGES = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'sd', 'yi', 'dv', 'ckb', 'ug', 'syr']);
const RTL_SCRIPTS = new Set(['Arab', 'Hebr', 'Thaa', 'Syrc', 'Nkoo', 'Adlm', 'Rohg', 'Mand', 'Samr']);

/** Writing direction of a locale, honouring an explicit script subtag (`az-Arab` is RTL, `ku-Latn` is not). */
export function textDirection(locale: string): TextDirection {
  try {
    const { language, script } = new Intl.Locale(locale);
    if (script !== undefined) return RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr';
    return RTL_LANGUAGES.has(language) ? 'rtl' : 'ltr';
  } catch {
    return 'ltr';
  }
}
