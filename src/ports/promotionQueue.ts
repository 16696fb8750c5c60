import type { PromotionMessage } from '../domain/promotionMessage.js';

/**
 * Sends messages (approvals, rollbacks, unpins) to the `promotions` queue (session id =
 * repository, message id = id).
 */
export interface PromotionQueue {
  send: (message: PromotionMessage) => Promise<void>;
  /**
   * Sends `message` to be delivered at `at` (Service Bus scheduled enqueue), as the gates
   * schedule a re-evaluation for the moment a soak ends. Same id rules as `send`. Optional:
   * a queue without it leaves such a promotion to the next message about its digest.
   */
  schedule?: (message: PromotionMessage, at: Date) => Promise<void>;
  /**
   * Opens what `send` needs (connection, sign-in, sender) ahead of the first send, so a caller
   * can overlap it with other work. Optional; idempotent and cheap once open. A rejection only
   * means the open failed now: `send` tries again and reports its own error.
   */
  prepare?: () => Promise<void>;
}
