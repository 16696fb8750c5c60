import { z } from 'zod';
import { DURATION_GRAMMAR, DURATION_PATTERN } from './duration.js';
import { ARTIFACT_TYPE_PATTERN, EVIDENCE_KINDS, isEvidenceKind } from './evidence.js';
import { strictObject } from './strictObject.js';

/*
 * The gates of one stage beside its approvals, as the pipeline file writes them: required
 * checks, soak time, evidence and who may override them. Spread into `stageSchema`.
 */

/** The grammar of a check name: what `promoter check --name` and check messages carry. */
export const CHECK_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const CHECK_NAME_GRAMMAR =
  'a check name is 1–64 lowercase letters, digits, . _ or -, starting with a letter or digit';

/** The most checks one stage may require (bounds what a promotion row and an event hold). */
export const MAX_CHECKS_PER_STAGE = 10;

export const checkName = z.string().regex(CHECK_NAME_PATTERN, CHECK_NAME_GRAMMAR);

/** Adds an issue at each entry that repeats an earlier one. */
const unique =
  (what: string) =>
  (values: readonly string[], ctx: z.RefinementCtx): void => {
    values.forEach((value, i) => {
      if (values.indexOf(value) !== i)
        ctx.addIssue({ code: 'custom', path: [i], message: `${what} "${value}" is listed twice` });
    });
  };

const evidenceName = z.string().refine((v) => isEvidenceKind(v) || ARTIFACT_TYPE_PATTERN.test(v), {
  error: `evidence is ${Object.keys(EVIDENCE_KINDS).join(' or ')}, or an artifact type such as application/vnd.in-toto+json`,
});

/** The gate fields of a stage (all optional; none: approvals alone decide). */
export const gateFields = {
  checks: z
    .array(checkName)
    .max(MAX_CHECKS_PER_STAGE, `a stage requires at most ${MAX_CHECKS_PER_STAGE} checks`)
    .superRefine(unique('check'))
    .default([])
    .describe(
      'Checks that must have succeeded on the exact digest before it enters the stage, e.g. ["trivy", "e2e"]; reported with `promoter check` or a check message. The latest result of each counts.',
    ),
  soak: z
    .string()
    .regex(DURATION_PATTERN, `a duration is ${DURATION_GRAMMAR}, e.g. 24h`)
    .optional()
    .describe(
      'How long the digest must have held the from stage before it may enter this one, e.g. 24h; when only the soak is left, the promotion happens by itself when it ends.',
    ),
  evidence: z
    .array(evidenceName)
    .max(10)
    .superRefine(unique('evidence'))
    .default([])
    .describe(
      'Referrers the digest must have in the registry when it is promoted: signature (cosign or Notary), sbom (SPDX, CycloneDX), or an artifact type.',
    ),
  override: strictObject({
    groups: z
      .array(z.string().min(1))
      .min(1, 'name at least one group that may override')
      .describe('Groups whose members may override.'),
  })
    .optional()
    .describe(
      'Who may promote past unmet checks, soak or evidence (never past approvals), with a reason; every override is recorded and announced.',
    ),
};
