import semver from 'semver';
import { z } from 'zod';
import { ValidationError } from './errors.js';
import { digestProblem, repositoryProblem } from './imageReference.js';
import { parseWith } from './zodIssues.js';

/**
 * The contract between the Approve / Reject buttons on pending-approval notifications and the
 * chat endpoint that receives their clicks. A Slack button carries:
 *
 * - `action_id`: `approve` or `reject` (`CHAT_ACTION_IDS`), the decision;
 * - `value`: `encodeChatAction({ repository, digest, stage, version? })`, a JSON string of at
 *   most 2000 characters (Slack's limit for a button value).
 *
 * A click approves or rejects by digest, as the user who clicked.
 */

/** The `action_id` of each button: the decision it sends. */
export const CHAT_ACTION_IDS = ['approve', 'reject'] as const;

/** The `action_id` of an Approve or Reject button. */
export type ChatActionId = (typeof CHAT_ACTION_IDS)[number];

/** Whether `actionId` is one of promoter's decision buttons (other buttons are only acknowledged). */
export function isChatActionId(actionId: string): actionId is ChatActionId {
  return (CHAT_ACTION_IDS as readonly string[]).includes(actionId);
}

const problemCheck =
  (problem: (v: string) => string | undefined) =>
  (value: string, ctx: z.core.$RefinementCtx<string>) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };

const chatActionSchema = z.strictObject({
  repository: z.string().superRefine(problemCheck(repositoryProblem)),
  digest: z.string().superRefine(problemCheck(digestProblem)),
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'is not a stage name'),
  version: z
    .string()
    .refine((v) => semver.valid(v) === v && !v.includes('+'), {
      error: 'must be a semantic version such as 1.2.3',
    })
    .optional(),
});

/** What a button approves or rejects: one digest of a repository, for a stage (and version). */
export type ChatAction = z.output<typeof chatActionSchema>;

/** Slack's limit on the length of a button's `value`. */
export const MAX_CHAT_ACTION_LENGTH = 2000;

/**
 * The button `value` for `action`: compact JSON with the fields in a fixed order. Throws a
 * ValidationError naming the field when `action` is invalid (so a bad button is never built).
 */
export function encodeChatAction(action: ChatAction): string {
  const valid = parseWith(chatActionSchema, 'chat action', action);
  const encoded = JSON.stringify({
    repository: valid.repository,
    digest: valid.digest,
    stage: valid.stage,
    ...(valid.version === undefined ? {} : { version: valid.version }),
  });
  if (encoded.length > MAX_CHAT_ACTION_LENGTH)
    throw new Error(`a chat action is at most ${MAX_CHAT_ACTION_LENGTH} characters`);
  return encoded;
}

/** Reads a button `value`; throws a ValidationError naming each bad field. */
export function parseChatAction(value: string): ChatAction {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new ValidationError('chat action', [{ path: '', message: 'is not JSON' }]);
  }
  return parseWith(chatActionSchema, 'chat action', json);
}
