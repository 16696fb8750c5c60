import { repositoryProblem } from '../../domain/imageReference.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import type { PromoteDeps } from './commitStep.js';
import { failedOutcome } from './promotionOutcome.js';

/** The history key of a dead-lettered message: one per message and delivery count. */
export function deadLetterId(messageId: string, deliveryCount: number): string {
  return `dead-letter:${deliveryCount}:${messageId}`;
}

/** What became of a message's last failed delivery: its `failed` outcome and what could not be done. */
export interface DeadLetterReport {
  readonly failed: OutcomeEvent;
  /** Why the outcome could not be announced, when it could not. */
  readonly notAnnounced?: string;
  /** Why it could not be kept in the history, when it could not. */
  readonly notRecorded?: string;
}

/**
 * The last delivery of a promotion message failed and Service Bus is about to dead-letter it:
 * announces `failed` (so a stuck promotion is never silent) and keeps it in the history under
 * its own id — not the message's, so that a message sent again from the dead-letter queue is
 * handled afresh — where the board lists it. Both are tried even when the other fails (the
 * ledger may be what is down), and neither throws: the caller rethrows the original failure.
 */
export async function announceDeadLetter(
  body: unknown,
  failure: {
    readonly reason: string;
    readonly deliveryCount: number;
    /** Service Bus's message id, for a body without a readable `id`. */
    readonly messageId?: string | undefined;
  },
  deps: Pick<PromoteDeps, 'promotions' | 'publisher' | 'clock'>,
): Promise<DeadLetterReport> {
  const { deliveryCount } = failure;
  const failed = failedOutcome(
    body,
    `gave up after ${deliveryCount} deliveries; the message goes to the dead-letter queue: ${failure.reason}`,
    deps.clock.now(),
    failure.messageId,
  );
  const notAnnounced = await deps.publisher.publish(failed).then(
    () => undefined,
    (e: unknown) => String(e),
  );
  const notRecorded =
    repositoryProblem(failed.repository) === undefined
      ? await deps.promotions
          .appendHistory(failed.repository, {
            ...failed,
            id: `dead-letter-${failed.id}`,
            messageId: deadLetterId(failed.messageId, deliveryCount),
          })
          .then(
            () => undefined,
            (e: unknown) => String(e),
          )
      : undefined;
  return {
    failed,
    ...(notAnnounced === undefined ? {} : { notAnnounced }),
    ...(notRecorded === undefined ? {} : { notRecorded }),
  };
}
