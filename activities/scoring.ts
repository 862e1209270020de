// The scoring model: today the domain's heuristic prior; the trained model (docs/product.md §6) plugs in through
// ActivityDeps.score. Used by sendNotification's auction (not an activity of its own).
import { DEFAULT_POLICY, heuristicScore, type PolicyConfig } from '../domain';
import type { Score } from '../domain/types';
import type { ScoreCandidatesInput } from './types';

export function createScoreCandidates(
  config: PolicyConfig = DEFAULT_POLICY,
): (input: ScoreCandidatesInput) => Promise<Score[]> {
  return async (input) => {
    const ctx = {
      now: input.now,
      timeZone: input.timeZone,
      hourOfWeek: input.hourOfWeek,
      recentSends: input.recentSends,
      opensLast10: input.opensLast10,
      // The prior must judge fatigue as the workflow's plan did, or the auction outbids its own plan.
      ...(input.fatigueWindowMs === undefined ? {} : { fatigueWindowMs: input.fatigueWindowMs }),
    };
    return input.candidates.map((candidate) => heuristicScore(candidate, ctx, config));
  };
}
