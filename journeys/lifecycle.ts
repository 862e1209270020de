// A user's lifecycle stage, from their latest engagement (docs/product.md §12): pure, so journeys branch on it
// deterministically.
import type { EpochMs } from '../domain/types';

export type LifecycleStage = 'active' | 'at_risk' | 'churned';

const DAY_MS = 24 * 60 * 60_000;
/** Engaged within this: active. */
export const ACTIVE_WITHIN_MS = 7 * DAY_MS;
/** Not engaged for this long: churned (the policy's default dormancy, docs/product.md §3). */
export const CHURNED_AFTER_MS = 30 * DAY_MS;

/** A user who never engaged is judged from when the user workflow first saw them. */
export function lifecycleStage(
  lastEngagementAt: EpochMs | undefined,
  userSince: EpochMs,
  now: EpochMs,
): LifecycleStage {
  const idle = now - (lastEngagementAt ?? userSince);
  if (idle < ACTIVE_WITHIN_MS) return 'active';
  return idle < CHURNED_AFTER_MS ? 'at_risk' : 'churned';
}
