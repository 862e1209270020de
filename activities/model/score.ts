// Scoring with a trained open model: the candidate's best send time comes from the user's engagement curve (as the
// prior's does; the model's hour-of-week feature is that same curve), and its expected value is the model's open
// probability at that time × business value.
import { DEFAULT_POLICY, categoryPolicy, type PolicyConfig } from '../../domain/config';
import { bestSendTime } from '../../domain/send-time';
import { DAY_MS } from '../../domain/time';
import type { Candidate, EpochMs, Score } from '../../domain/types';
import type { ScoringContext } from '../../domain/scoring';
import { features, type FeatureSpace } from './features';
import { predict, type LogisticModel } from './logistic';
import { clampProbability, durationMs, maxOf, minOf, msBetween } from '../../domain/units';

export interface ModelContext extends ScoringContext {
  userSince: EpochMs;
  lastEngagementAt?: EpochMs;
}

export function modelScore(
  model: LogisticModel & FeatureSpace,
  candidate: Candidate,
  ctx: ModelContext,
  config: PolicyConfig = DEFAULT_POLICY,
): Score {
  const policy = categoryPolicy(config, candidate.category);
  const urgent = policy.priorityClass === 'critical' || policy.priorityClass === 'transactional';
  const horizon = minOf(DAY_MS, maxOf(durationMs(1), msBetween(ctx.now, candidate.expiresAt)));
  const at = urgent ? ctx.now : bestSendTime(ctx.hourOfWeek, ctx.now, ctx.timeZone, horizon).at;
  const pOpen = predict(
    model,
    features(
      {
        candidate,
        channel: policy.channels[0] ?? 'push',
        at,
        timeZone: ctx.timeZone,
        recentSends: ctx.recentSends,
        engagement: ctx.hourOfWeek,
        userSince: ctx.userSince,
        ...(ctx.lastEngagementAt === undefined ? {} : { lastEngagementAt: ctx.lastEngagementAt }),
      },
      model,
    ),
  );
  return {
    candidateId: candidate.id,
    expectedValue: clampProbability(pOpen * candidate.businessValue),
    bestSendAt: at,
  };
}
