// The open model learns what is learnable and nothing from noise, judged on a time-split holdout against the prior.
import { describe, expect, it } from 'vitest';
import type { LoggedSend } from '../../db/open-models';
import { featureNames, featureSpace } from '../../activities/model/features';
import { rowsFromLog, trainAndEvaluate } from '../../activities/model/training';
import { rng } from '../../simulator/rng';
import { probability, hours, addMs, minutes, days, durationMs, subMs } from '../../domain/units';
import { utc } from '../support/instants';
import { nth, present } from '../../domain/present';

const HOUR = hours(1);
const T0 = utc(2026, 0, 5);

const SPACE = featureSpace(['friend_joined', 'weekly_digest'], ['social', 'content']);
const FEATURE_NAMES = featureNames(SPACE);
const train = (sends: LoggedSend[]) => trainAndEvaluate(rowsFromLog(sends, SPACE), SPACE);

/** A generated log: 200 users × 30 sends over 30 days; `opened` decides each send's open from its draw. */
function log(opened: (send: Omit<LoggedSend, 'openedAt'>, draw: number) => boolean): LoggedSend[] {
  const random = rng(42);
  const sends: LoggedSend[] = [];
  for (let u = 0; u < 200; u++) {
    for (let i = 0; i < 30; i++) {
      const sentAt = addMs(T0, durationMs(i * 24 * HOUR + Math.floor(random() * 12 * HOUR)));
      const send = {
        userId: `u${u}`,
        candidateId: `u${u}-${i}`,
        category: random() < 0.5 ? ('social' as const) : ('content' as const),
        channel: 'push' as const,
        sentAt,
        template: random() < 0.5 ? 'friend_joined' : 'weekly_digest',
        businessValue: probability(random()),
        candidateCreatedAt: subMs(sentAt, durationMs(Math.floor(random() * 6 * HOUR))),
        timeZone: 'Europe/Paris',
        userSince: subMs(T0, days(30)),
      };
      sends.push(opened(send, random()) ? { ...send, openedAt: addMs(send.sentAt, minutes(10)) } : send);
    }
  }
  return sends;
}

describe('open model training', () => {
  it('learns a learnable signal: AUC well above 0.5, and beats the prior on the holdout', () => {
    // Friends joining get opened 60 % of the time, digests 8 %; business value adds a little.
    const report = train(
      log((s, draw) => draw < (s.template === 'friend_joined' ? 0.6 : 0.08) + 0.1 * s.businessValue),
    );
    expect(report.evaluation.auc).toBeGreaterThan(0.75);
    expect(report.priorEvaluation.auc).toBeLessThan(0.65);
    expect(report.beatsPrior).toBe(true);
    expect(report.evaluation.calibration).toHaveLength(10);
    // Calibrated: the top decile's prediction is near what was observed there.
    const top = present(report.evaluation.calibration.at(-1), 'the last of report.evaluation.calibration');
    expect(Math.abs(top.predicted - top.observed)).toBeLessThan(0.1);
    // The holdout is the newest quarter (a time split).
    expect(report.holdoutRows).toBe(1500);
  });

  it('finds nothing in noise: AUC near 0.5', () => {
    const report = train(log((_s, draw) => draw < 0.3));
    expect(Math.abs(report.evaluation.auc - 0.5)).toBeLessThan(0.05);
  });

  it('refuses to train on too few sends', () => {
    expect(() => train(log(() => true).slice(0, 20))).toThrow(/not enough logged sends/);
  });

  it('builds each row from what was known when it was sent: a later open is not a feature of an earlier send', () => {
    const sends = log((_s, draw) => draw < 0.5).filter((s) => s.userId === 'u0');
    const rows = rowsFromLog(sends, SPACE);
    const first = nth(rows, 0);
    // open_rate_last10 of the first send is the shrunk rate of no history: (0 + 0.5) / (0 + 4).
    expect(first.x[FEATURE_NAMES.indexOf('open_rate_last10')]).toBeCloseTo(0.125);
    // The second send's open rate counts the first only if it was opened before the second went out.
    const second = nth(rows, 1);
    const firstOpenedAt = nth(sends, 0).openedAt;
    const firstOpenedBefore = firstOpenedAt !== undefined && firstOpenedAt <= nth(sends, 1).sentAt;
    expect(second.x[FEATURE_NAMES.indexOf('open_rate_last10')]).toBeCloseTo((firstOpenedBefore ? 1.5 : 0.5) / 5);
  });
});
