// Versioned open models in PostgreSQL: training from the decision log, activation and rollback, and scoring that
// falls back to the prior when no model is active or the active one did worse than the prior on its own holdout.
import { describe, expect, it } from 'vitest';
import { createModelScoring } from '../../activities/model/scoring';
import { trainFromLog } from '../../activities/model/training';
import { DecisionRepository } from '../../db/decisions';
import { NotificationEventRepository } from '../../db/notification-events';
import { OpenModelRepository } from '../../db/open-models';
import { UserRepository } from '../../db/users';
import { heuristicScore } from '../../domain/scoring';
import type { Candidate } from '../../domain/types';
import { rng } from '../../simulator/rng';
import { useTestDatabase } from '../support/test-database';
import { probability, hours, addMs, durationMs, minutes, subMs, days, plusMs } from '../../domain/units';
import { utc } from '../support/instants';
import { nth, present } from '../../domain/present';

const HOUR = hours(1);
const T0 = utc(2026, 0, 5);

/** 60 users × 20 sends in the decision log: friend_joined is opened 60 % of the time, weekly_digest 8 %. */
async function fillLog(db: ReturnType<ReturnType<typeof useTestDatabase>>): Promise<void> {
  const random = rng(3);
  const users = new UserRepository(db.pool);
  const decisions = new DecisionRepository(db.pool);
  const receipts = new NotificationEventRepository(db.pool);
  for (let u = 0; u < 60; u++) {
    const userId = `om-${u}`;
    await users.upsert(
      { id: userId, timeZone: 'Europe/Paris', locale: 'fr', attributes: {} },
      subMs(T0, hours(40 * 24)),
    );
    const batch = [];
    for (let i = 0; i < 20; i++) {
      const at = addMs(T0, durationMs(i * 24 * HOUR + Math.floor(random() * 10 * HOUR)));
      const template = random() < 0.5 ? 'friend_joined' : 'weekly_digest';
      batch.push({
        candidateId: `${userId}-${i}`,
        category: 'social' as const,
        outcome: { kind: 'sent' as const, channel: 'push' as const, at },
        sent: { template, businessValue: probability(0.5), candidateCreatedAt: subMs(at, HOUR), scoredBy: 'prior' },
      });
      if (random() < (template === 'friend_joined' ? 0.6 : 0.08)) {
        await receipts.record(userId, { notificationId: `${userId}-${i}`, type: 'opened', at: addMs(at, minutes(5)) });
      }
    }
    await decisions.recordDecisions(userId, batch);
  }
}

const candidate: Candidate = {
  id: 'c1',
  userId: 'om-0',
  category: 'social',
  template: 'friend_joined',
  variables: {},
  createdAt: addMs(T0, hours(30 * 24)),
  expiresAt: addMs(T0, plusMs(hours(30 * 24), hours(12))),
  businessValue: probability(0.5),
  source: 'event',
};
const input = {
  userId: 'om-0',
  candidates: [candidate],
  now: addMs(T0, days(30)),
  timeZone: 'Europe/Paris',
  hourOfWeek: new Array<number>(168).fill(0),
  recentSends: [],
  opensLast10: 0,
};

describe('open models', () => {
  const db = useTestDatabase();

  it('trains from the decision log, stores a version with its evaluation, and scores with it once activated', async () => {
    await fillLog(db());
    const models = new OpenModelRepository(db().pool);
    const steps: number[] = [];
    const { version, report } = await trainFromLog(models, addMs(T0, hours(31 * 24)), (step) => steps.push(step));
    expect(steps.length).toBeGreaterThan(1);
    expect(report.trainingRows + report.holdoutRows).toBe(1200);
    expect(report.evaluation.auc).toBeGreaterThan(0.7);
    expect(report.beatsPrior).toBe(true);
    const stored = await models.get<{ templates: string[] }, { auc: number }>(version);
    expect(stored).toMatchObject({ version, beatsPrior: true, trainingRows: report.trainingRows });
    expect(present(stored, 'stored').params.templates).toEqual(['friend_joined', 'weekly_digest']);

    const score = createModelScoring({ models, refreshMs: 0 });
    expect(nth(await score(input), 0).scoredBy).toBe('prior'); // trained, not yet active
    await models.activate(version, addMs(T0, hours(31 * 24)));
    const [scored] = await score(input);
    expect(present(scored, 'scored').scoredBy).toBe(`model:${version}`);
    // A friend joining is worth more to this model than a digest.
    const [digest] = await score({ ...input, candidates: [{ ...candidate, template: 'weekly_digest' }] });
    expect(present(scored, 'scored').expectedValue).toBeGreaterThan(2 * present(digest, 'digest').expectedValue);
  });

  it('activates and rolls back through the history, down to the priors', async () => {
    const models = new OpenModelRepository(db().pool);
    const evaluation = { auc: 0.7, logLoss: 0.5, rows: 10, positives: 3, calibration: [] };
    const store = () =>
      models.store({
        createdAt: T0,
        params: { means: [], scales: [], weights: [0], templates: [] },
        trainingRows: 10,
        evaluation,
        priorEvaluation: evaluation,
        beatsPrior: true,
      });
    const [v1, v2, v3] = [await store(), await store(), await store()];
    // Earlier tests of this file may have activated versions; start from a known history.
    while ((await models.activeVersion()) !== null) await models.rollback(T0);
    await models.activate(v1, T0);
    await models.activate(v2, addMs(T0, durationMs(1)));
    await models.activate(v3, addMs(T0, durationMs(2)));
    expect(await models.activeVersion()).toBe(v3);
    expect(await models.rollback(addMs(T0, durationMs(3)))).toBe(v2);
    expect(await models.rollback(addMs(T0, durationMs(4)))).toBe(v1);
    expect(await models.rollback(addMs(T0, durationMs(5)))).toBeNull();
    await expect(models.activate(999_999, T0)).rejects.toThrow(/no open model version 999999/);
  });

  it('scores with the prior when the active model did worse than the prior on its own holdout', async () => {
    const models = new OpenModelRepository(db().pool);
    const version = await models.store({
      createdAt: T0,
      // A model that would say "always opened": it must never score.
      params: { means: [], scales: [], weights: [50], templates: [] },
      trainingRows: 10,
      evaluation: { auc: 0.5, logLoss: 2, rows: 10, positives: 3, calibration: [] },
      priorEvaluation: { auc: 0.6, logLoss: 0.6, rows: 10, positives: 3, calibration: [] },
      beatsPrior: false,
    });
    await models.activate(version, T0);
    const [scored] = await createModelScoring({ models, refreshMs: 0 })(input);
    expect(scored).toEqual({ ...heuristicScore(candidate, input), scoredBy: 'prior' });
  });
});
