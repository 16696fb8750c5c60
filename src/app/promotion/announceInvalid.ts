import type { ValidationError } from '../../domain/errors.js';
import { repositoryProblem } from '../../domain/imageReference.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import { outcomeOfUnparsed } from './promotionOutcome.js';
import type { PromoteDeps } from './commitStep.js';

/**
 * Answers a message that failed validation: `rejected`, naming each bad field (`invalid
 * <subject>: build: …`), recorded under its id when it names a valid repository (so
 * `getOutcome` and the history find it), and announced. Terminal: the message is completed.
 */
export async function announceInvalid(
  body: unknown,
  error: ValidationError,
  deps: Pick<PromoteDeps, 'promotions' | 'publisher' | 'clock'>,
  subject = 'approval message',
): Promise<OutcomeEvent> {
  const reason = `invalid ${subject}: ${error.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`;
  const outcome = outcomeOfUnparsed(body, 'rejected', deps.clock.now(), reason);
  const { repository } = outcome;
  if (repositoryProblem(repository) === undefined) {
    const state = await deps.promotions.getRepositoryState(repository);
    await deps.promotions.commit(repository, {
      expectedEtag: state.etag,
      heads: state.heads,
      promotions: [],
      outcome,
    });
  }
  await deps.publisher.publish(outcome);
  return outcome;
}
