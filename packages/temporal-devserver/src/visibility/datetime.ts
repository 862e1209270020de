/**
 * RFC 3339 timestamps as Temporal's visibility reads them (Go `time.Parse(time.RFC3339Nano, …)`), kept to the
 * microsecond like its SQL stores: values are epoch milliseconds, possibly with a fractional (µs) part.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Epoch milliseconds (with microseconds as the fraction), or undefined when `text` is not RFC 3339. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const offHours = Number(m[9]);
    const offMinutes = Number(m[10]);
    if (offHours > 23 || offMinutes > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offHours * 60 + offMinutes);
  }
  const micros = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime() - offsetMinutes * 60_000 + micros / 1000;
}

/** Renders epoch milliseconds (µs fraction kept) as an RFC 3339 UTC string. */
export function formatRfc3339(epochMs: number): string {
  const wholeMs = Math.floor(epochMs);
  const iso = new Date(wholeMs).toISOString();
  const extraMicros = Math.round((epochMs - wholeMs) * 1000);
  if (extraMicros === 0) return iso;
  return `${iso.slice(0, -1)}${String(Math.min(extraMicros, 999)).padStart(3, '0')}Z`;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}
