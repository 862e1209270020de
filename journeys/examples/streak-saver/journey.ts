// Streak saver with churn-aware intensity (docs/product.md §12): each day at the user's usual time, if today's
// activity has not come yet — an active user gets one gentle reminder; an at-risk user a stronger one and, if still
// nothing two hours later, one more; a churned user is left alone (the run ends). A lost streak ends it.
import { defineJourney } from '../../define';

export const streakSaver = defineJourney({
  name: 'streak_saver',
  version: 1,
  description: 'Keep a streak alive for a week, more insistently for users drifting away, never for churned ones.',
  enroll: { on: [{ eventType: 'streak_started' }] },
  exit: { events: ['streak_lost'] },
  reentryAfter: '7d',
  events: ['streak_extended'],
  async run(journey) {
    const usualTime = typeof journey.user().data.usualTime === 'string' ? journey.user().data.usualTime : '19:00';
    for (let day = 1; day <= 7; day++) {
      journey.step(`day ${day}: waiting for the usual time`);
      await journey.sleepUntilLocal(usualTime as string, { window: '3h' });
      let extended = false;
      while ((await journey.waitForEvent('streak_extended', { within: 0 })) !== null) extended = true;
      if (extended) continue;

      const { stage } = journey.user();
      if (stage === 'churned') {
        journey.step('churned: left alone');
        return;
      }
      const streakDays = day;
      // Practice within the usual-time window (3 h) keeps the streak.
      const deadline = journey.now() + 3 * 60 * 60_000;
      journey.step(`day ${day}: ${stage === 'active' ? 'gentle reminder' : 'reminder (at risk)'}`);
      await journey.propose({
        category: 'reminder',
        template: 'streak_at_risk',
        variables: { streak_days: streakDays, deadline },
        businessValue: stage === 'active' ? 0.4 : 0.7,
        ttl: '3h',
      });
      if (stage === 'at_risk') {
        journey.step(`day ${day}: waiting 2 h for activity (at risk)`);
        const came = await journey.waitForEvent('streak_extended', { within: '2h' });
        if (came === null) {
          journey.step(`day ${day}: second reminder (at risk)`);
          await journey.propose({
            category: 'reminder',
            template: 'streak_at_risk',
            variables: { streak_days: streakDays, deadline },
            businessValue: 0.6,
            ttl: '2h',
          });
        }
      }
    }
  },
});
