import { z } from 'zod';
import {
  approvalMessageSchema,
  buildSelector,
  messageFields,
  type ApprovalMessage,
} from './approvalMessage.js';
import { checkMessageSchema, type CheckMessage } from './checkMessage.js';
import { reevaluateMessageSchema, type ReevaluateMessage } from './reevaluateMessage.js';
import { ValidationError } from './errors.js';
import { parseWith } from './zodIssues.js';

/**
 * The messages on the `promotions` queue, told apart by `type`: an approval (see
 * `approvalMessage.ts`), a rollback of a stage to an earlier promotion, an unpin that
 * releases a rolled-back stage, and a check result (`checkMessage.ts`). Same session
 * (repository) and id rules for all.
 */

const stage = z.string().min(1).describe('The stage, e.g. release');

const reason = z.string().trim().min(1, 'say why: the reason is kept in the audit trail').max(2000);

export const rollbackMessageSchema = z.strictObject({
  type: z.literal('rollback'),
  ...messageFields,
  stage,
  to: buildSelector.describe(
    'The earlier promotion of the stage to go back to: its tag (1.2.2), digest or git SHA',
  ),
  reason: reason.describe('Why the stage is rolled back (kept in the audit trail)'),
});

export const unpinMessageSchema = z.strictObject({
  type: z.literal('unpin'),
  ...messageFields,
  stage,
  reason: reason.optional().describe('Why the stage is released'),
});

export type RollbackMessage = z.output<typeof rollbackMessageSchema>;
export type UnpinMessage = z.output<typeof unpinMessageSchema>;
/** Any message on the `promotions` queue. */
export type PromotionMessage =
  ApprovalMessage | RollbackMessage | UnpinMessage | CheckMessage | ReevaluateMessage;
/** A message as sent (`approver.groups` may be absent). */
export type PromotionMessageInput = z.input<typeof promotionMessageSchema>;

export const promotionMessageSchema = z.discriminatedUnion('type', [
  approvalMessageSchema,
  rollbackMessageSchema,
  unpinMessageSchema,
  checkMessageSchema,
  reevaluateMessageSchema,
]);

export const MESSAGE_TYPES = ['approval', 'rollback', 'unpin', 'check', 'reevaluate'] as const;

/**
 * Validates a message body of any type; throws a ValidationError naming each bad field (and,
 * for an unknown `type`, the types there are).
 */
export function parsePromotionMessage(body: unknown): PromotionMessage {
  const type: unknown =
    typeof body === 'object' && body !== null && 'type' in body ? body.type : undefined;
  if (!(MESSAGE_TYPES as readonly unknown[]).includes(type))
    throw new ValidationError('promotion message', [
      {
        path: 'type',
        message: `must be one of ${MESSAGE_TYPES.join(', ')}${type === undefined ? '' : `; got ${JSON.stringify(type)}`}`,
      },
    ]);
  return parseWith(promotionMessageSchema, 'promotion message', body);
}

/** The JSON Schema of every message on the queue, published in schemas/. */
export function promotionMessageJsonSchema(): unknown {
  return z.toJSONSchema(promotionMessageSchema, { io: 'input', unrepresentable: 'any' });
}

/** What a message is about, for logs and queue properties: its stage, or `check <name>`. */
export function messageTarget(message: PromotionMessage): string {
  return message.type === 'check' ? `check ${message.name}` : message.stage;
}

/** Who sent a message: its approver's id, or a check's reporter. */
export function messageActor(message: PromotionMessage): string {
  if (message.type === 'reevaluate') return 'system:promoter';
  return message.type === 'check' ? message.reporter : message.approver.id;
}
