// Training the open model from the notification log: every logged send becomes a row (its features as known when it
// was sent, and whether it was opened), rows are split by time (the newest quarter is the holdout, so the model is
// judged on the future it would face), and the model is compared with the heuristic prior on that same holdout.
import { recordEngagement } from '../../domain/send-time';
import { priorOpenProbability } from '../../domain/scoring';
import type { EpochMs, SendRecord } from '../../domain/types';
import type { LoggedSend, OpenModelRepository } from '../../db/open-models';
import { evaluate, type Evaluation } from './evaluation';
import { featureNames, features, featureSpace, type FeatureSpace } from './features';
import { predict, train, type LogisticModel } from './logistic';
import { nth } from '../../domain/present';
import { maxOf } from '../../domain/units';

export interface TrainingRow {
  x: number[];
  y: number;
  prior: number;
  at: EpochMs;
}

export interface ModelParams extends LogisticModel, FeatureSpace {
  featureNames: readonly string[];
}

export interface TrainingReport {
  model: ModelParams;
  trainingRows: number;
  holdoutRows: number;
  evaluation: Evaluation;
  priorEvaluation: Evaluation;
  /** The model's holdout log-loss is below the prior's: only then may it score. */
  beatsPrior: boolean;
}

/** Replays each user's sends in time order, so each row sees only what was known when it was sent. */
export function rowsFromLog(sends: readonly LoggedSend[], space: FeatureSpace): TrainingRow[] {
  const byUser = new Map<string, LoggedSend[]>();
  for (const send of sends) byUser.set(send.userId, [...(byUser.get(send.userId) ?? []), send]);
  const rows: TrainingRow[] = [];
  for (const userSends of byUser.values()) {
    userSends.sort((a, b) => a.sentAt - b.sentAt);
    const history: SendRecord[] = [];
    const opens = userSends.flatMap((s) => (s.openedAt === undefined ? [] : [s.openedAt])).sort((a, b) => a - b);
    let counts = new Array<number>(168).fill(0);
    let countedUntil: EpochMs | undefined;
    let nextOpen = 0;
    let lastOpen: EpochMs | undefined;
    for (const send of userSends) {
      while (nextOpen < opens.length && nth(opens, nextOpen) <= send.sentAt) {
        const at = nth(opens, nextOpen++);
        counts = recordEngagement(counts, at, send.timeZone, undefined, countedUntil);
        countedUntil = countedUntil === undefined ? at : maxOf(countedUntil, at);
        lastOpen = at;
      }
      const known = history.map((h) => (h.openedAt !== undefined && h.openedAt > send.sentAt ? withoutOpen(h) : h));
      const candidate = {
        category: send.category,
        template: send.template,
        businessValue: send.businessValue,
        createdAt: send.candidateCreatedAt,
      };
      rows.push({
        x: features(
          {
            candidate,
            channel: send.channel,
            at: send.sentAt,
            timeZone: send.timeZone,
            recentSends: known,
            engagement: counts,
            userSince: send.userSince,
            ...(lastOpen === undefined ? {} : { lastEngagementAt: lastOpen }),
          },
          space,
        ),
        y: send.openedAt === undefined ? 0 : 1,
        prior: priorOpenProbability(candidate, {
          now: send.sentAt,
          timeZone: send.timeZone,
          hourOfWeek: counts,
          recentSends: known,
          opensLast10: known.slice(-10).filter((h) => h.openedAt !== undefined).length,
        }),
        at: send.sentAt,
      });
      history.push({
        candidateId: send.candidateId,
        category: send.category,
        channel: send.channel,
        at: send.sentAt,
        ...(send.openedAt === undefined ? {} : { openedAt: send.openedAt }),
      });
    }
  }
  return rows.sort((a, b) => a.at - b.at);
}

function withoutOpen(send: SendRecord): SendRecord {
  const { openedAt: _unknownYet, ...rest } = send;
  return rest;
}

export const MIN_TRAINING_ROWS = 50;

export function trainAndEvaluate(
  rows: readonly TrainingRow[],
  space: FeatureSpace,
  options: { holdoutFraction?: number; onStep?: (step: number, of: number) => void } = {},
): TrainingReport {
  const ordered = [...rows].sort((a, b) => a.at - b.at);
  const cut = Math.floor(ordered.length * (1 - (options.holdoutFraction ?? 0.25)));
  const fit = ordered.slice(0, cut);
  const holdout = ordered.slice(cut);
  if (fit.length < MIN_TRAINING_ROWS || holdout.length === 0) {
    throw new RangeError(`not enough logged sends to train: ${ordered.length} (need ${MIN_TRAINING_ROWS} or more)`);
  }
  const model = train(
    fit.map((r) => r.x),
    fit.map((r) => r.y),
    options.onStep === undefined ? {} : { onStep: options.onStep },
  );
  const labels = holdout.map((r) => r.y);
  const evaluation = evaluate(
    holdout.map((r) => predict(model, r.x)),
    labels,
  );
  const priorEvaluation = evaluate(
    holdout.map((r) => r.prior),
    labels,
  );
  return {
    model: { ...model, ...space, featureNames: featureNames(space) },
    trainingRows: fit.length,
    holdoutRows: holdout.length,
    evaluation,
    priorEvaluation,
    beatsPrior: evaluation.logLoss < priorEvaluation.logLoss,
  };
}

/** Trains on the whole log, stores the result as a new version (not activated); returns it and its version. */
export async function trainFromLog(
  models: OpenModelRepository,
  now: EpochMs,
  onStep?: (step: number, of: number) => void,
): Promise<{ version: number; report: TrainingReport }> {
  const sends = await models.sendsForTraining();
  const space = featureSpace(
    sends.map((s) => s.template),
    sends.map((s) => s.category),
  );
  const report = trainAndEvaluate(rowsFromLog(sends, space), space, onStep === undefined ? {} : { onStep });
  const version = await models.store({
    createdAt: now,
    params: report.model,
    trainingRows: report.trainingRows,
    evaluation: report.evaluation,
    priorEvaluation: report.priorEvaluation,
    beatsPrior: report.beatsPrior,
  });
  return { version, report };
}
