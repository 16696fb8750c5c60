import { TransientError } from '../../domain/errors.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import { MAX_ATTEMPTS, type PromoteDeps, type Step } from './commitStep.js';

/**
 * Settles one message exactly once: a message id whose outcome is recorded gets that outcome
 * announced again (a redelivery); otherwise `decide` runs, and is run again after it lost a
 * race for the repository's state (`conflict`). The outcome it settles with is announced and
 * returned. Gives up with a TransientError (so the message is redelivered) when the state
 * keeps changing.
 * @param doing names the work in that error, e.g. `rolling back myapp release`.
 */
export async function settleOnce(
  repository: string,
  messageId: string,
  doing: string,
  deps: Pick<PromoteDeps, 'promotions' | 'publisher'>,
  decide: () => Promise<Step>,
): Promise<OutcomeEvent> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    // Checked on every attempt: a lost race may be another delivery of this very message.
    const recorded = await deps.promotions.getOutcome(repository, messageId);
    if (recorded) {
      await deps.publisher.publish(recorded);
      return recorded;
    }
    const step = await decide();
    if (step.kind === 'done') {
      await deps.publisher.publish(step.outcome);
      return step.outcome;
    }
  }
  throw new TransientError(`${doing}: its promotion state kept changing; retry`);
}
