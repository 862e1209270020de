// Onboarding steps (docs/product.md §12): one step a day, and each step's tip only if the user has not completed
// that step by then. Version 1 proposed each tip right after the day's wait; runs started since propose it at 10:00
// in the user's zone. `patched` keeps runs that started on the old code on their path (journeys/README.md).
import { patched } from '@temporalio/workflow';
import { defineJourney } from '../../define';

export const ONBOARDING_STEPS = ['profile', 'first_project', 'invite_team'] as const;

export const onboarding = defineJourney({
  name: 'onboarding',
  version: 2,
  description: 'A tip a day for the onboarding steps the user has not completed yet.',
  enroll: { on: [{ eventType: 'signed_up' }] },
  exit: { events: ['account_closed'] },
  reentryAfter: '365d',
  events: ['onboarding_step_completed'],
  async run(journey) {
    for (const step of ONBOARDING_STEPS) {
      journey.step(`${step}: waiting a day`);
      await journey.sleep('1d');
      if (patched('onboarding-tip-at-10')) {
        journey.step(`${step}: waiting for 10:00 local`);
        await journey.sleepUntilLocal('10:00', { window: '2h' });
      }
      const done = await journey.waitForEvent('onboarding_step_completed', { within: 0, match: { step } });
      if (done !== null) continue;
      journey.step(`${step}: tip`);
      await journey.propose({
        category: 'reminder',
        template: 'onboarding_tip',
        variables: { step },
        businessValue: 0.5,
        ttl: '12h',
        dedupeKey: `onboarding:${step}`,
      });
    }
  },
});
