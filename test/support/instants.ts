// Typed fixtures for instants, so tests state times readably without casting: `utc(2026, 2, 1, 8)` takes
// Date.UTC's arguments (month 0–11) and `instant('2026-03-01T08:00:00Z')` an ISO date-time, both returning an EpochMs.
// Durations come from domain/units (`minutes(5)`, `hours(2)`), and arithmetic on instants from its addMs/subMs.
import type { EpochMs } from '../../domain/types';
import { epochMs, epochMsFromIso } from '../../domain/units';

export function utc(year: number, monthIndex: number, day = 1, hours = 0, minutes = 0, seconds = 0, ms = 0): EpochMs {
  return epochMs(Date.UTC(year, monthIndex, day, hours, minutes, seconds, ms));
}

export function instant(iso: string): EpochMs {
  return epochMsFromIso(iso);
}
