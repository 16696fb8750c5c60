import type { ChatRollback, ChatUnpin } from './chatCommand.js';
import { checkChatMessage, type ChatOrigin, type CheckedChatMessage } from './checkChatMessage.js';
import { describeChatApprover, describeChatBuild } from './describeChatBuild.js';
import {
  rollbackMessageSchema,
  unpinMessageSchema,
  type RollbackMessage,
  type UnpinMessage,
} from './promotionMessage.js';
import { parseWith } from './zodIssues.js';

/**
 * The queue messages for a chat `rollback` or `unpin`: the same messages `promoter rollback`
 * and `promoter unpin` send, with the chat user as approver. Whether that approver may act on
 * the stage is for the queue handler to decide (the stage's approvers), as for the CLI.
 */

/** A rollback or unpin typed in chat. */
export type ChatOperation = ChatRollback | ChatUnpin;

/** A rollback or unpin message, ready for the queue. */
export type OperationMessage = RollbackMessage | UnpinMessage;

/**
 * The message for `operation`, validated: the message, or what is wrong with it naming the
 * field (`to.digest: …`, `reason: …`). `stages` are the pipeline's: another stage is refused
 * here, before anything is queued.
 */
export function chatOperationMessage(
  operation: ChatOperation,
  origin: ChatOrigin,
  stages: readonly string[],
): CheckedChatMessage<OperationMessage> {
  return checkChatMessage(() => toMessage(operation, origin), stages);
}

/** The message as the CLI would send it; throws a ValidationError naming each bad field. */
function toMessage(operation: ChatOperation, origin: ChatOrigin): OperationMessage {
  const fields = {
    id: origin.id,
    repository: operation.repository,
    stage: operation.stage,
    approver: origin.approver,
    source: origin.source,
    ...(origin.replyTo === undefined ? {} : { replyTo: origin.replyTo }),
  };
  if (operation.kind === 'rollback')
    return parseWith(rollbackMessageSchema, 'rollback message', {
      type: 'rollback',
      ...fields,
      to: operation.to,
      reason: operation.reason,
    });
  return parseWith(unpinMessageSchema, 'unpin message', {
    type: 'unpin',
    ...fields,
    ...(operation.reason === undefined ? {} : { reason: operation.reason }),
  });
}

/**
 * The reply once a rollback or unpin is queued: `Queued: roll back release of myapp to
 * myapp:1.2.3 as alice; reason: 1.2.4 breaks checkout. The outcome will be posted here.`
 */
export function operationQueuedText(message: OperationMessage): string {
  const what =
    message.type === 'rollback'
      ? `roll back ${message.stage} of ${message.repository} to ${describeChatBuild(message.repository, message.to)}`
      : `unpin ${message.stage} of ${message.repository}`;
  const reason = message.reason === undefined ? '' : `; reason: ${message.reason}`;
  return `Queued: ${what} as ${describeChatApprover(message.approver)}${reason}. The outcome will be posted here.`;
}
