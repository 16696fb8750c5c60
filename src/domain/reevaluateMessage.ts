import { createHash } from 'node:crypto';
import { z } from 'zod';
import { messageFields } from './approvalMessage.js';
import { digestProblem } from './imageReference.js';

/**
 * A message promoter sends itself on the `promotions` queue: re-evaluate one pending
 * promotion's gates. Scheduled for the moment its soak ends (so a promotion waiting only on the
 * soak is promoted by itself then), or sent when a referrer of its digest was pushed (evidence
 * it may wait for). Its id is derived from the promotion, the moment and what asked for it, so
 * a retried step or a redelivered registry event asks for it once.
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
  due: z.iso
    .datetime({ offset: true })
    .describe('When it is due: the soak’s end, or when a referrer of the digest was pushed'),
});

export type ReevaluateMessage = z.output<typeof reevaluateMessageSchema>;

/**
 * The re-evaluation of one promotion at `due`, asked for by `cause` (a message id, or a
 * registry event's id for `evidence`): a redelivery of `cause` asks for the same one (same id),
 * a re-evaluation that came early asks anew.
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
  why: 'soak' | 'evidence' = 'soak',
): ReevaluateMessage {
  const key = `${promotion.repository}|${promotion.stage}|${promotion.version ?? ''}|${promotion.digest}|${due}|${cause}`;
  return {
    type: 'reevaluate',
    id: `${why}-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`,
    repository: promotion.repository,
    stage: promotion.stage,
    ...(promotion.version !== undefined ? { version: promotion.version } : {}),
    digest: promotion.digest,
    due,
  };
}
