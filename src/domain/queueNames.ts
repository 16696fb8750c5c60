/**
 * The Service Bus entities promoter uses. The function table's trigger, the adapter and the
 * infrastructure import these names, so they cannot drift apart.
 */

/** The session-enabled queue of approval messages (session id = repository). */
export const PROMOTIONS_QUEUE = 'promotions';

/** The topic outcome events are published on; subscriptions filter on its properties. */
export const PROMOTION_EVENTS_TOPIC = 'promotion-events';

/** The `promotion-events` subscription whose function posts outcome notifications to chat. */
export const NOTIFICATIONS_SUBSCRIPTION = 'notifications';

/**
 * The queue Event Grid delivers the registry's ImagePushed and ImageDeleted events to (one
 * event per message; no sessions: Event Grid cannot deliver to a session-enabled queue).
 */
export const REGISTRY_EVENTS_QUEUE = 'registry-events';
