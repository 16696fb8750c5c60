import { randomUUID } from 'node:crypto';
import type { Approver } from '../../domain/approvalMessage.js';
import { chatApproval, queuedText } from '../../domain/chatApproval.js';
import type { ChatDecision } from '../../domain/chatCommand.js';
import {
  chatOperationMessage,
  operationQueuedText,
  type ChatOperation,
} from '../../domain/chatOperation.js';
import type { Pipeline } from '../../domain/pipeline.js';
import type { PromotionMessage } from '../../domain/promotionMessage.js';
import type { PromotionQueue } from '../../ports/promotionQueue.js';

/** Where a chat request came from: the message `source`, and the prefix of unmapped user ids. */
export type ChatSource = 'slack' | 'teams';

/**
 * The approver a chat user acts as: `<source>:<userId>` mapped through the pipeline's
 * `identities` (unmapped: that id, no groups), with the display name the chat client sent.
 */
export function chatApprover(
  pipeline: Pipeline,
  source: ChatSource,
  userId: string,
  name: string | undefined,
): Approver {
  const { id, groups } = pipeline.approverFor(`${source}:${userId}`);
  return { id, groups: [...groups], ...(name === undefined ? {} : { name }) };
}

/**
 * Queues what a chat user asked for — an approval or rejection, a rollback or an unpin — as
 * `approver`, validated first (nothing is queued when it is invalid), and returns the reply:
 * what was queued, or `Not queued: <what is wrong>`, with the message queued if one was.
 * Whether the approver may do it is decided by the queue handler, which announces the outcome
 * (and posts it to `replyTo` when there is one). The send is the one thing awaited: a reply that
 * says "Queued" means the queue has the message.
 */
export async function queueChatCommand(
  deps: { readonly pipeline: Pipeline; readonly approvals: PromotionQueue },
  command: ChatDecision | ChatOperation,
  approver: Approver,
  source: ChatSource,
  /** Where the queue handler posts the outcome for this user (Slack's `response_url`). */
  replyTo?: string,
): Promise<{ readonly reply: string; readonly queued?: PromotionMessage }> {
  const origin = { id: randomUUID(), approver, source, replyTo };
  const stages = deps.pipeline.stages.map((s) => s.name);
  const result =
    command.kind === 'rollback' || command.kind === 'unpin'
      ? chatOperationMessage(command, origin, stages)
      : chatApproval(command, origin, stages);
  if (result.kind === 'invalid') return { reply: `Not queued: ${result.problem}` };
  const message: PromotionMessage = result.message;
  await deps.approvals.send(message);
  const reply = message.type === 'approval' ? queuedText(message) : operationQueuedText(message);
  return { reply, queued: message };
}
