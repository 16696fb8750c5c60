import { z } from 'zod';
import { DURATION_GRAMMAR, DURATION_PATTERN } from './duration.js';
import { gateFields } from './gateSchema.js';
import { loginServer } from './registryDeclaration.js';
import { parseRepositoryTemplate } from './repositoryTemplate.js';
import { strictObject } from './strictObject.js';
import { parseTagTemplate } from './tagTemplate.js';

/*
 * One stage of the pipeline file, as written: its name, its tag template, its `from` and its
 * approval policy. The rules across stages are `pipelineSchema`'s.
 */

const stageName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,31}$/,
    'a stage name is 1–32 lowercase letters, digits or -, starting with a letter',
  );

const tagTemplate = z.string().superRefine((value, ctx) => {
  const parsed = parseTagTemplate(value);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
});

const repositoryTemplate = z.string().superRefine((value, ctx) => {
  const parsed = parseRepositoryTemplate(value);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
});

const duration = z.string().regex(DURATION_PATTERN, `a duration is ${DURATION_GRAMMAR}, e.g. 7d`);

const approvalSchema = strictObject({
  required: z
    .number()
    .int()
    .min(0)
    .max(10)
    .describe(
      'Approvals needed before the stage’s tag is written (0–10); 0 makes the stage automatic.',
    ),
  approvers: strictObject({
    ids: z
      .array(z.string().min(1))
      .default([])
      .describe('Approver identities (chat user ids, pipeline identities) allowed to approve.'),
    groups: z
      .array(z.string().min(1))
      .default([])
      .describe('Groups whose members are allowed to approve.'),
  })
    .default({ ids: [], groups: [] })
    .describe('Who may approve. Both lists empty: any authenticated approver.'),
  expiresAfter: duration
    .default('7d')
    .describe(
      'How long an approval stays valid: a whole number followed by m (minutes), h (hours) or d (days), e.g. 7d.',
    ),
});

/** One entry of the pipeline file's `stages`. */
export const stageSchema = strictObject({
  name: stageName.describe(
    'The stage’s name, unique in the pipeline: 1–32 lowercase letters, digits or -, starting with a letter.',
  ),
  tag: tagTemplate.describe(
    'Tag template written when a digest enters the stage: letters, digits, _ . - and the placeholders {version}, {n} (release-candidate number, needs {version}) and {sha}, e.g. dev-latest, {version}-rc{n}, {version}.',
  ),
  immutable: z
    .boolean()
    .describe(
      'Whether a tag, once written, may never point at another digest. An immutable tag needs a placeholder.',
    ),
  from: stageName
    .optional()
    .describe(
      'The earlier stage a digest must have reached first; defaults to the stage before this one.',
    ),
  sameVersion: z
    .boolean()
    .default(false)
    .describe(
      'Only a digest that holds the from stage’s tag for the same {version} may enter; needs {version} in both tags.',
    ),
  latest: z
    .string()
    .regex(
      /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/,
      'a tag is 1–128 letters, digits, _ . -, not starting with . or -',
    )
    .optional()
    .describe(
      'A floating tag (no placeholders) moved to every digest that enters the stage and back by a rollback, e.g. release-latest. Never locked.',
    ),
  approval: approvalSchema.describe('The approvals a digest needs to enter the stage.'),
  ...gateFields,
  registry: loginServer
    .optional()
    .describe(
      'The registry (login server, declared in registries) this stage’s tags are written in, e.g. prodacr.azurecr.io; a digest entering the stage is copied there first. Default: the registry builds are pushed to (PROMOTER_REGISTRY).',
    ),
  repository: repositoryTemplate
    .optional()
    .describe(
      'The repository this stage’s tags are written in, from the build’s repository: {repository} exactly once, e.g. prod/{repository}. Default: {repository}, the same name.',
    ),
});
