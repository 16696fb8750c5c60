import { z } from 'zod';
import { compileBuildTagPattern, DEFAULT_BUILD_TAG } from './buildTag.js';
import { loginServer, registryDeclarationSchema } from './registryDeclaration.js';
import { stageSchema } from './stageSchema.js';
import { strictObject } from './strictObject.js';
import { parseTagTemplate } from './tagTemplate.js';

/**
 * The pipeline file (`promoter.pipeline.json`) as written: its fields, their defaults, and the
 * rules across stages (unique names, earlier `from`, one owner per floating tag, placeholders
 * that the stage's options need). Compiled by `parsePipeline` (`pipeline.ts`).
 */

const buildTag = z.string().superRefine((value, ctx) => {
  const compiled = compileBuildTagPattern(value);
  if (!compiled.ok) ctx.addIssue({ code: 'custom', message: compiled.message });
});

const pipelineFields = strictObject({
  $schema: z
    .string()
    .optional()
    .describe('The JSON Schema this file follows, for editors: ./schemas/pipeline.schema.json.'),
  buildTag: buildTag
    .default(DEFAULT_BUILD_TAG)
    .describe(
      'Tag pattern CI pushes builds under: exactly one {sha} placeholder, the 7–40 character lowercase git SHA, and no other, e.g. git-{sha}.',
    ),
  stages: z
    .array(stageSchema)
    .min(1, 'a pipeline needs at least one stage')
    .describe(
      'The stages a digest moves through, in order, each entered by writing its tag on the digest.',
    ),
  restoreOnDrift: z
    .boolean()
    .default(false)
    .describe(
      'When a stage tag is moved by someone other than promoter (drift), put it back to the digest the ledger holds. Drift is always recorded and announced.',
    ),
  registries: z
    .record(z.string(), registryDeclarationSchema)
    .default({})
    .describe(
      'The registries stages write their tags in besides the one builds are pushed to, by login server, each with how promoter signs in, e.g. {"prodacr.azurecr.io": {"signIn": "azure"}}. A stage names one in its registry field.',
    ),
  identities: z
    .record(
      z.string(),
      strictObject({
        id: z.string().min(1).describe('The approver id this chat user acts as, e.g. alice.'),
        groups: z
          .array(z.string().min(1))
          .default([])
          .describe('Groups the chat user belongs to, for stages that name approver groups.'),
      }),
    )
    .default({})
    .describe(
      'Chat users mapped to approver ids and groups, e.g. {"slack:U123": {"id": "alice", "groups": ["release-managers"]}}. An unmapped chat user approves as slack:<id> / teams:<id> with no groups.',
    ),
});

/** Adds an issue for each rule across fields and stages that `pipeline` breaks. */
function checkPipeline(pipeline: z.output<typeof pipelineFields>, ctx: z.RefinementCtx): void {
  for (const key of Object.keys(pipeline.identities))
    if (!/^(slack|teams):\S+$/.test(key))
      ctx.addIssue({
        code: 'custom',
        path: ['identities', key],
        message: 'a chat identity is slack:<user id> or teams:<user id>',
      });
  const names = pipeline.stages.map((s) => s.name);
  const declared = Object.keys(pipeline.registries);
  for (const server of declared) {
    const checked = loginServer.safeParse(server);
    if (!checked.success)
      ctx.addIssue({
        code: 'custom',
        path: ['registries', server],
        message: `"${server}": ${checked.error.issues[0]?.message ?? 'not a login server'}`,
      });
  }
  pipeline.stages.forEach((stage, i) => {
    const path = ['stages', i];
    if (stage.registry !== undefined && !declared.includes(stage.registry))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'registry'],
        message: `registry ${stage.registry} is not declared in registries (declared: ${declared.length ? declared.join(', ') : 'none'}); declare it with how promoter signs in, e.g. "registries": {"${stage.registry}": {"signIn": "azure"}}`,
      });
    if (names.indexOf(stage.name) !== i)
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'name'],
        message: `stage "${stage.name}" is defined twice`,
      });
    const earlier = names.slice(0, i);
    if (stage.from !== undefined && !earlier.includes(stage.from))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'from'],
        message: `"${stage.from}" is not an earlier stage; allowed: ${earlier.length ? earlier.join(', ') : '(none: the first stage has no from)'}`,
      });
    if (stage.latest !== undefined) {
      const clash = pipeline.stages.findIndex(
        (other, j) =>
          (j !== i && other.latest === stage.latest) ||
          tagMatchesTemplate(other.tag, stage.latest ?? ''),
      );
      if (clash !== -1)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'latest'],
          message: `"${stage.latest}" is already a tag of stage "${pipeline.stages[clash]?.name ?? ''}"; a floating tag belongs to one stage`,
        });
      const build = compileBuildTagPattern(pipeline.buildTag);
      if (build.ok && build.pattern.gitShaOf(stage.latest) !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'latest'],
          message: `"${stage.latest}" looks like a build tag (${pipeline.buildTag}); pick a name CI never pushes`,
        });
    }
    const template = parseTagTemplate(stage.tag);
    if (!template.ok) return;
    if (stage.immutable && template.template.placeholders.size === 0)
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'tag'],
        message: `an immutable tag needs a placeholder ({version}, {n} or {sha}); "${stage.tag}" could be written only once`,
      });
    if (template.template.placeholders.has('n') && !template.template.placeholders.has('version'))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'tag'],
        message: '{n} counts per version, so the tag needs {version} too',
      });
    if (stage.sameVersion && !template.template.placeholders.has('version'))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'sameVersion'],
        message: 'sameVersion needs {version} in this stage’s tag',
      });
    const sourceName = stage.from ?? earlier.at(-1);
    const source = pipeline.stages.find((s) => s.name === sourceName);
    if (stage.sameVersion && source && !source.tag.includes('{version}'))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'sameVersion'],
        message: `sameVersion needs {version} in the tag of stage "${source.name}"`,
      });
    if (stage.soak !== undefined && !source)
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'soak'],
        message: 'the first stage has no from stage to soak in',
      });
    if (stage.sameVersion && !source)
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'sameVersion'],
        message: 'the first stage has no earlier stage to share a version with',
      });
  });
}

/** The pipeline file's schema: its fields, then the rules across them. */
export const pipelineSchema = pipelineFields.superRefine(checkPipeline);

/** The pipeline definition as written in the file (after defaults). */
export type PipelineDefinition = z.output<typeof pipelineSchema>;

/** Whether `tag` is one `template` (a stage's `tag`) can produce. */
function tagMatchesTemplate(template: string, tag: string): boolean {
  const parsed = parseTagTemplate(template);
  return parsed.ok && parsed.template.pattern.test(tag);
}

/** The pipeline definition's JSON Schema, generated from the zod schema. */
export function pipelineJsonSchema(): unknown {
  return z.toJSONSchema(pipelineSchema, { io: 'input', unrepresentable: 'any' });
}
