// The journeys this deployment runs, by name: the user workflow enrolls into these, the journey workflow runs them,
// the API validates names against them. A new journey is one line here (see journeys/README.md).
import type { JourneyDefinition } from './define';
import { cartAbandonment } from './examples/cart-abandonment/journey';
import { onboarding } from './examples/onboarding/journey';
import { streakSaver } from './examples/streak-saver/journey';
import { trialExpiry } from './examples/trial-expiry/journey';

export const JOURNEYS: Readonly<Record<string, JourneyDefinition>> = Object.freeze(
  Object.fromEntries([cartAbandonment, trialExpiry, onboarding, streakSaver].map((j) => [j.name, j])),
);
