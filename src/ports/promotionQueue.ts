import type { PromotionMessage } from '../domain/promotionMessage.js';

/**
 * Sends messages (approvals, rollbacks, unpins) to the `promotions` queue (session id =
 * repository, message id = id).
 */
export interface PromotionQueue {
  send: (message: PromotionMessage) => Promise<void>;
  /**
   * Opens what `send` needs (connection, sign-in, sender) ahead of the first send, so a caller
   * can overlap it with other work. Optional; idempotent and cheap once open. A rejection only
   * means the open failed now: `send` tries again and reports its own error.
   */
  prepare?: () => Promise<void>;
}
