// Cart abandonment (docs/product.md §12): no purchase within 1 h → a reminder; still none 24 h later → one more with
// the top item. A purchase at any point ends the run (an exit event) and withdraws a reminder still waiting.
import { defineJourney } from '../../define';

export const cartAbandonment = defineJourney({
  name: 'cart_abandonment',
  version: 1,
  description: 'Remind a user of the cart they left, twice at most, until they buy.',
  enroll: { on: [{ eventType: 'cart_updated', conditions: { event: { itemCount: { gt: 0 } } } }] },
  exit: { events: ['purchase_completed'] },
  reentryAfter: '3d',
  events: [],
  async run(journey) {
    const cart = journey.user().data;
    journey.goal('purchase_completed');

    journey.step('waiting for purchase (1 h)');
    await journey.sleep('1h'); // a purchase meanwhile is an exit: the run ends here

    journey.step('first reminder');
    await journey.propose({
      category: 'reminder',
      template: 'cart_abandoned',
      variables: { item_count: typeof cart.itemCount === 'number' ? cart.itemCount : null },
      deepLink: 'app://cart',
      businessValue: 0.6,
      ttl: '12h',
    });

    journey.step('waiting for purchase (24 h)');
    await journey.sleep('24h');

    journey.step('second reminder');
    await journey.propose({
      category: 'reminder',
      template: 'cart_top_item',
      variables: { top_item: typeof cart.topItem === 'string' ? cart.topItem : null },
      deepLink: 'app://cart',
      businessValue: 0.5,
      ttl: '12h',
    });
  },
});
