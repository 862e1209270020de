// The population simulator: seeded (same seed, same result), and no policy breaks a rule it claims.
import { describe, expect, it } from 'vitest';
import { runShare } from '../../simulator/worker';
import { days, addMs } from '../../domain/units';
import { utc } from '../support/instants';
import { present } from '../../domain/present';

const DAY = days(1);
const START = utc(2026, 0, 5);

describe('population simulator', () => {
  const task = {
    from: 0,
    to: 40,
    days: 10,
    policies: ['blast', 'engaged_hour', 'tact_prior'] as ('blast' | 'engaged_hour' | 'tact_prior')[],
    options: { seed: 7, start: START, end: addMs(START, days(10)), trainUntil: addMs(START, days(7)) },
    rowsEvery: 1,
  };

  it('is deterministic for a seed, sends something under every policy, and breaks no rule', () => {
    const a = runShare(task);
    const b = runShare(task);
    expect(a).toEqual(b);
    for (const name of task.policies) {
      const t = present(a.totals[name], 'a.totals[name]');
      expect(t.users).toBe(40);
      expect(t.sends).toBeGreaterThan(40);
      expect(t.opens).toBeGreaterThan(0);
      expect(t.violationExamples).toEqual([]);
      expect(t.violations).toBe(0);
    }
    // Training rows come from Tact's sends of the first week only, each labelled opened or not.
    expect(a.rows.length).toBeGreaterThan(0);
    expect(a.rows.every((r) => r.at < START + 7 * DAY && (r.y === 0 || r.y === 1))).toBe(true);
  });

  it('meets a different population with another seed', () => {
    const other = runShare({ ...task, options: { ...task.options, seed: 8 } });
    expect(other.totals.blast).not.toEqual(runShare(task).totals.blast);
  });
});
