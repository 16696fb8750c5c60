import { parseApprovalMessage, type ApprovalMessage } from './approvalMessage.js';
import type { ChatDecision } from './chatCommand.js';
import { checkChatMessage, type ChatOrigin, type CheckedChatMessage } from './checkChatMessage.js';
import { describeChatApprover, describeChatBuild } from './describeChatBuild.js';

/**
 * The approval message for a chat decision, validated: the message, or what is wrong with it
 * naming the field (`version: must be a semantic version …`). `stages` are the pipeline's.
 */
export function chatApproval(
  decision: ChatDecision,
  origin: ChatOrigin,
  stages: readonly string[],
): CheckedChatMessage<ApprovalMessage> {
  return checkChatMessage(
    () =>
      parseApprovalMessage({
        type: 'approval',
        id: origin.id,
        repository: decision.repository,
        build: decision.build,
        stage: decision.stage,
        ...(decision.version === undefined ? {} : { version: decision.version }),
        decision: decision.kind,
        approver: origin.approver,
        source: origin.source,
        ...(origin.replyTo === undefined ? {} : { replyTo: origin.replyTo }),
        ...(decision.comment === undefined ? {} : { comment: decision.comment }),
      }),
    stages,
  );
}

/**
 * The reply once a decision is queued: `Queued: approve rc 1.2.3 of myapp@a1b2c3d as alice.
 * The outcome will be posted here.`
 */
export function queuedText(message: ApprovalMessage): string {
  const stage =
    message.version === undefined ? message.stage : `${message.stage} ${message.version}`;
  return `Queued: ${message.decision} ${stage} of ${describeChatBuild(message.repository, message.build)} as ${describeChatApprover(message.approver)}. The outcome will be posted here.`;
}
