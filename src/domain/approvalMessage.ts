import semver from 'semver';
import { z } from 'zod';
import { isSlackResponseUrl } from './chatReply.js';
import { digestProblem, repositoryProblem, tagProblem } from './imageReference.js';
import { parseWith } from './zodIssues.js';

/**
 * The one message type on the `promotions` queue: an approval or a rejection of a build for a
 * stage. Session id = repository (one promotion at a time per repository); message id = `id`
 * (Service Bus duplicate detection, and promoter's own idempotency key).
 */

const refine =
  (problem: (v: string) => string | undefined) =>
  (value: string, ctx: z.core.$RefinementCtx<string>) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };

const gitSha = z
  .string()
  .regex(/^[0-9a-f]{7,40}$/, 'a git SHA is 7–40 lowercase hex characters')
  .describe('Full or short git SHA of the build');

/** Which build: by git SHA, by manifest digest, or by a tag promoter knows (build or stage tag). */
export const buildSelector = z.union([
  z.strictObject({ gitSha }),
  z.strictObject({
    digest: z.string().superRefine(refine(digestProblem)).describe('Manifest digest'),
  }),
  z.strictObject({
    tag: z
      .string()
      .superRefine(refine(tagProblem))
      .describe('A build tag (git-a1b2c3d) or a stage tag (1.2.3-rc2, dev-latest)'),
  }),
]);

export type BuildSelector = z.output<typeof buildSelector>;

const version = z
  .string()
  .refine((v) => semver.valid(v) === v && !v.includes('+'), {
    error: 'must be a semantic version such as 1.2.3 (no leading v, no +build metadata)',
  })
  .describe('Semantic version the stage tag is made for, e.g. 1.2.3');

export const approver = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(256)
    .describe('Stable approver id, e.g. alice, slack:U123, github:octocat'),
  name: z.string().max(256).optional().describe('Display name'),
  groups: z
    .array(z.string().min(1).max(256))
    .max(100)
    .default([])
    .describe('Groups the approver belongs to'),
});

export type Approver = z.output<typeof approver>;

/** Fields every message on the `promotions` queue has. */
export const messageFields = {
  id: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'an id is 1–128 letters, digits, . _ : or -')
    .describe('Unique message id: the idempotency key (use a UUID)'),
  repository: z
    .string()
    .superRefine(refine(repositoryProblem))
    .describe('Repository, e.g. team/backend'),
  approver,
  source: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,31}$/,
      'a source is a short lowercase name such as cli, slack, teams, gate, system',
    )
    .describe('Where the decision came from'),
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('When the decision was made (defaults to when it is handled)'),
  replyTo: z
    .string()
    .max(2048)
    .refine(isSlackResponseUrl, {
      error: 'must be a Slack response_url (https://hooks.slack.com/…)',
    })
    .optional()
    .describe(
      "Slack's response_url of the command or click that queued this message: the queue handler posts the outcome there (Slack takes replies for 30 minutes). A capability: never logged",
    ),
};

export const approvalMessageSchema = z.strictObject({
  type: z.literal('approval'),
  ...messageFields,
  build: buildSelector,
  stage: z.string().min(1).describe('Target stage, e.g. rc'),
  version: version.optional(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
  requestedBy: z
    .strictObject({ id: z.string().min(1).max(256) })
    .optional()
    .describe('Who asked for this promotion; they may not approve it themselves'),
  override: z
    .strictObject({
      reason: z
        .string()
        .trim()
        .min(1, 'say why: an override is recorded and announced with its reason')
        .max(1000)
        .describe('Why the stage’s unmet checks, soak or evidence are passed over'),
    })
    .optional()
    .describe(
      'Promote past the stage’s unmet checks, soak and evidence (never past missing approvals); only members of the stage’s override groups may',
    ),
});

/** An approval message as sent (input: `approver.groups` may be absent). */
export type ApprovalMessageInput = z.input<typeof approvalMessageSchema>;
/** An approval message after validation. */
export type ApprovalMessage = z.output<typeof approvalMessageSchema>;

/** The approver id the webhook uses for the automatic `dev` promotion. */
export const SYSTEM_APPROVER = { id: 'system:promoter', name: 'promoter', groups: [] } as const;

/** Validates a message body; throws a ValidationError naming each bad field. */
export function parseApprovalMessage(body: unknown): ApprovalMessage {
  return parseWith(approvalMessageSchema, 'approval message', body);
}

/** The JSON Schema of the message, published in schemas/. */
export function approvalMessageJsonSchema(): unknown {
  return z.toJSONSchema(approvalMessageSchema, { io: 'input', unrepresentable: 'any' });
}
