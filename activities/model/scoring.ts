// The scoring activity's model: the active trained version when there is one that beat the prior on its own holdout,
// else the heuristic prior. Each score says who made it ('prior' or 'model:<version>'), and the decision log keeps it.
import { DEFAULT_POLICY, heuristicScore, type PolicyConfig } from '../../domain';
import type { EpochMs, Score } from '../../domain/types';
import type { StoredModel } from '../../db/open-models';
import type { ScoreCandidatesInput } from '../types';
import { modelScore } from './score';
import type { ModelParams } from './training';
import { wallClock } from '../../clock';

export interface ActiveModelSource {
  active<P, E>(): Promise<StoredModel<P, E> | null>;
}

export interface ModelScoringOptions {
  models: ActiveModelSource;
  config?: PolicyConfig;
  /** How long the active version is cached before it is read again (activation reaches workers within this). */
  refreshMs?: number;
  now?: () => EpochMs;
}

export function createModelScoring(options: ModelScoringOptions): (input: ScoreCandidatesInput) => Promise<Score[]> {
  const config = options.config ?? DEFAULT_POLICY;
  const refreshMs = options.refreshMs ?? 60_000;
  const now = options.now ?? wallClock;
  let cached: { at: EpochMs; model: StoredModel<ModelParams, unknown> | null } | null = null;
  return async (input) => {
    if (cached === null || now() - cached.at >= refreshMs) {
      cached = { at: now(), model: await options.models.active<ModelParams, unknown>() };
    }
    const stored = cached.model;
    const ctx = {
      now: input.now,
      timeZone: input.timeZone,
      hourOfWeek: input.hourOfWeek,
      recentSends: input.recentSends,
      opensLast10: input.opensLast10,
      // The prior must judge fatigue as the workflow's plan did, or the auction outbids its own plan.
      ...(input.fatigueWindowMs === undefined ? {} : { fatigueWindowMs: input.fatigueWindowMs }),
      userSince: input.userSince ?? input.now,
      ...(input.lastEngagementAt === undefined ? {} : { lastEngagementAt: input.lastEngagementAt }),
    };
    if (stored === null || !stored.beatsPrior) {
      return input.candidates.map((c) => ({ ...heuristicScore(c, ctx, config), scoredBy: 'prior' }));
    }
    return input.candidates.map((c) => ({
      ...modelScore(stored.params, c, ctx, config),
      scoredBy: `model:${stored.version}`,
    }));
  };
}
