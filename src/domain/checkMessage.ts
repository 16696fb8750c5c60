import { z } from 'zod';
import { buildSelector, messageFields } from './approvalMessage.js';
import { CHECK_CONCLUSIONS } from './checkResult.js';
import { checkName } from './gateSchema.js';

/**
 * A check result on the `promotions` queue: a pipeline job (a scan, end-to-end tests) says
 * how a named check ended on one build. Same session (repository) and id rules as the other
 * messages; the id is also what makes a redelivered result count once.
 */
export const checkMessageSchema = z.strictObject({
  type: z.literal('check'),
  id: messageFields.id,
  repository: messageFields.repository,
  build: buildSelector,
  name: checkName.describe('The check, as stages list it in `checks`, e.g. trivy'),
  conclusion: z
    .enum(CHECK_CONCLUSIONS, { error: 'the conclusion is success or failure' })
    .describe('How the check ended on this build'),
  detailsUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(500)
    .optional()
    .describe('A link to the check’s details (the CI run, the scan report)'),
  summary: z.string().trim().min(1).max(500).optional().describe('One line about the result'),
  reporter: z
    .string()
    .min(1)
    .max(256)
    .describe('Who or what reported it: a pipeline identity, e.g. github:org/repo/scan'),
  source: messageFields.source
    .optional()
    .describe('Where the result came from, e.g. cli, gate, http'),
  at: messageFields.at.describe('When the check concluded (defaults to when it is handled)'),
});

/** A check message after validation. */
export type CheckMessage = z.output<typeof checkMessageSchema>;

/** The JSON Schema of the check message, published in schemas/. */
export function checkMessageJsonSchema(): unknown {
  return z.toJSONSchema(checkMessageSchema, { io: 'input', unrepresentable: 'any' });
}
