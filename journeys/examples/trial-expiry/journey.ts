// Trial expiry (docs/product.md §12): on day 1, "connect your data" only if it is not done; 48 h before the trial
// ends, a plan message chosen by usage. Subscribing ends the run.
import { defineJourney } from '../../define';

const HOUR_MS = 60 * 60_000;
/** Feature uses during the trial from which the Pro plan is the one to suggest. */
export const PRO_USAGE = 5;

export const trialExpiry = defineJourney({
  name: 'trial_expiry',
  version: 1,
  description: 'Help a trial user connect their data, then suggest the plan that fits their usage before it ends.',
  enroll: { on: [{ eventType: 'trial_started', conditions: { event: { trialEndsAt: { exists: true } } } }] },
  exit: { events: ['subscription_started'] },
  reentryAfter: '365d',
  events: ['data_connected', 'feature_used'],
  async run(journey) {
    const endsAt = Number(journey.user().data.trialEndsAt);
    journey.goal('subscription_started');

    journey.step('day 1: waiting for data connection');
    const connected = await journey.waitForEvent('data_connected', { within: '1d' });
    if (connected === null) {
      journey.step('day 1: connect your data');
      await journey.propose({ category: 'reminder', template: 'trial_connect_data', businessValue: 0.7, ttl: '24h' });
    }

    journey.step('waiting until 48 h before the trial ends');
    const planAt = endsAt - 48 * HOUR_MS;
    if (planAt > journey.now()) await journey.sleep(planAt - journey.now());

    let usage = 0;
    while ((await journey.waitForEvent('feature_used', { within: 0 })) !== null) usage += 1;
    const plan = usage >= PRO_USAGE ? 'pro' : 'starter';
    journey.step(`plan message (${plan})`);
    await journey.propose({
      category: 'reminder',
      template: 'trial_ending',
      variables: { plan, hours_left: 48 },
      businessValue: 0.8,
      ttl: '24h',
    });
  },
});
