import { createHash } from 'node:crypto';
import { z } from 'zod';
import { messageFields } from './approvalMessage.js';
import { digestProblem } from './imageReference.js';

/**
 * A message promoter schedules for itself on the `promotions` queue: re-evaluate one pending
 * promotion's gates (sent for the moment its soak ends, so a promotion waiting only on the
 * soak is promoted by itself then). Its id is derived from the promotion, the moment and the
 * message that asked for it, so a retried step schedules it once.
 */
export const reevaluateMessageSchema = z.strictObject({
  type: z.literal('reevaluate'),
  id: messageFields.id,
  repository: messageFields.repository,
  stage: z.string().min(1).describe('The stage the promotion is into'),
  version: z.string().min(1).optional().describe('The promotion’s version, if its tag has one'),
  digest: z
    .string()
    .refine((v) => digestProblem(v) === undefined, { error: 'must be a manifest digest' })
    .describe('The digest being promoted'),
  due: z.iso.datetime({ offset: true }).describe('When the soak ends: the promotion may go then'),
});

export type ReevaluateMessage = z.output<typeof reevaluateMessageSchema>;

/**
 * The re-evaluation of one promotion at `due`, asked for by message `cause`: a redelivery of
 * `cause` asks for the same one (same id), a re-evaluation that came early asks anew.
 */
export function reevaluateMessage(
  promotion: {
    readonly repository: string;
    readonly stage: string;
    readonly version?: string | undefined;
    readonly digest: string;
  },
  due: string,
  cause: string,
): ReevaluateMessage {
  const key = `${promotion.repository}|${promotion.stage}|${promotion.version ?? ''}|${promotion.digest}|${due}|${cause}`;
  return {
    type: 'reevaluate',
    id: `soak-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`,
    repository: promotion.repository,
    stage: promotion.stage,
    ...(promotion.version !== undefined ? { version: promotion.version } : {}),
    digest: promotion.digest,
    due,
  };
}
