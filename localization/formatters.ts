import type { IntlMessageFormat } from 'intl-messageformat';

type Formatters = NonNullable<NonNullable<ConstructorParameters<typeof IntlMessageFormat>[3]>['formatters']>;

const MAX_CACHED = 2000;

function cached<T>(cache: Map<string, T>, key: string, create: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    value = create();
    cache.set(key, value);
  }
  return value;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
const pluralRules = new Map<string, Intl.PluralRules>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
const byTimeZone = new Map<string, Formatters>();

const timeZoneValidity = new Map<string, boolean>();

export function isValidTimeZone(timeZone: string): boolean {
  return cached(timeZoneValidity, timeZone, () => {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Intl formatters for intl-messageformat that render every date and time argument (named styles and
 * skeletons alike) in the given IANA zone. Throws RangeError for an unknown zone.
 */
export function formattersFor(timeZone: string): Formatters {
  return cached(byTimeZone, timeZone, () => {
    if (!isValidTimeZone(timeZone)) throw new RangeError(`invalid time zone "${timeZone}"`);
    return {
      getNumberFormat: (locales, options) =>
        cached(numberFormats, JSON.stringify([locales, options]), () => new Intl.NumberFormat(locales, options)),
      getPluralRules: (locales, options) =>
        cached(pluralRules, JSON.stringify([locales, options]), () => new Intl.PluralRules(locales, options)),
      getDateTimeFormat: (locales, options) =>
        cached(
          dateTimeFormats,
          JSON.stringify([locales, options, timeZone]),
          () => new Intl.DateTimeFormat(locales, { ...options, timeZone }),
        ),
    };
  });
}
