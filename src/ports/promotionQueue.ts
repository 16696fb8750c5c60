import type { PromotionMessage } from '../domain/promotionMessage.js';

/**
 * Sends messages (approvals, rollbacks, unpins) to the `promotions` queue (session id =
 * repository, message id = id).
 */
export interface PromotionQueue {
  send: (message: PromotionMessage) => Promise<void>;
}
