// The instant every time-skipping workflow test starts from, so no test depends on the real date, weekday,
// time of day or DST state. A time-skipping server can only move its clock forward, so the instant lies far
// ahead of any real date: a Wednesday in January (a weekday, months away from any DST change in either
// hemisphere), 09:00 UTC. A test that needs another shape (a weekend, a clock change) moves on from here.
export const TEST_START_MS = Date.UTC(2100, 0, 6, 9, 0);
