import { ValidationError } from '../../domain/errors.js';
import type { OutcomeEvent } from '../../domain/outcomeEvent.js';
import {
  MESSAGE_TYPES,
  parsePromotionMessage,
  type PromotionMessage,
} from '../../domain/promotionMessage.js';
import { announceInvalid } from './announceInvalid.js';
import { promoteOnApproval } from './promoteOnApproval.js';
import type { PromoteDeps } from './commitStep.js';
import { rollbackStage } from '../rollback/rollbackStage.js';
import { unpinStage } from '../rollback/unpinStage.js';
import { handleCheckMessage } from '../checks/handleCheckMessage.js';
import { reevaluatePromotion } from './gates/reevaluatePromotion.js';
import { requestChainedPromotions } from './gates/requestChainedPromotions.js';

/**
 * Handles one message from the `promotions` queue by its `type`: an approval
 * (`promoteOnApproval`), a rollback (`rollbackStage`), an unpin (`unpinStage`), a check
 * result (`handleCheckMessage`) or a re-evaluation (`reevaluatePromotion`); a promotion then
 * asks for the automatic stages after it (`requestChainedPromotions`). A body that
 * is not a valid message of any type (an unknown `type` included) is `rejected`, naming each
 * bad field, recorded when it names a valid repository, and announced.
 *
 * The contract of each: terminal results are recorded, announced and returned (the message is
 * then completed); transient failures are thrown (it is redelivered); a message id handled
 * before returns and re-announces its recorded outcome.
 */
export async function handlePromotionMessage(
  body: unknown,
  deps: PromoteDeps,
): Promise<OutcomeEvent> {
  let message: PromotionMessage;
  try {
    message = parsePromotionMessage(body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return announceInvalid(body, error, deps, subjectOf(body));
  }
  switch (message.type) {
    case 'approval':
      return chained(await promoteOnApproval(message, deps), deps);
    case 'rollback':
      return rollbackStage(message, deps);
    case 'unpin':
      return unpinStage(message, deps);
    case 'check':
      return chained(await handleCheckMessage(message, deps), deps);
    case 'reevaluate':
      return chained(await reevaluatePromotion(message, deps), deps);
  }
}

/** A promotion asks for the automatic stages after it (`requestChainedPromotions`). */
async function chained(outcome: OutcomeEvent, deps: PromoteDeps): Promise<OutcomeEvent> {
  await requestChainedPromotions(outcome, deps);
  return outcome;
}

/** `rollback message` for a body of a known type, else `promotion message`. */
function subjectOf(body: unknown): string {
  const type: unknown =
    typeof body === 'object' && body !== null && 'type' in body ? body.type : undefined;
  return (MESSAGE_TYPES as readonly unknown[]).includes(type)
    ? `${String(type)} message`
    : 'promotion message';
}
