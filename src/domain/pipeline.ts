import { z } from 'zod';
import { compileBuildTagPattern, DEFAULT_BUILD_TAG, type BuildTagPattern } from './buildTag.js';
import { DURATION_GRAMMAR, DURATION_PATTERN, parseDuration } from './duration.js';
import { parseTagTemplate, type TagTemplate } from './tagTemplate.js';
import { parseWith } from './zodIssues.js';

/**
 * The pipeline definition (`promoter.pipeline.json`): how builds are recognised and which
 * stages a digest moves through, with each stage's tag and approval policy. Pure: the file
 * is read elsewhere and its parsed JSON handed to `parsePipeline`.
 */

/** An object schema that refuses unknown keys and names the keys it allows. */
function strictObject<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${allowed}`
        : undefined,
  });
}

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

const buildTag = z.string().superRefine((value, ctx) => {
  const compiled = compileBuildTagPattern(value);
  if (!compiled.ok) ctx.addIssue({ code: 'custom', message: compiled.message });
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

const stageSchema = strictObject({
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
});

/** The seed pipeline: dev (automatic, floating), rc and release (one approval, immutable). */
export const DEFAULT_PIPELINE_JSON = {
  buildTag: DEFAULT_BUILD_TAG,
  stages: [
    { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
    { name: 'rc', tag: '{version}-rc{n}', immutable: true, from: 'dev', approval: { required: 1 } },
    {
      name: 'release',
      tag: '{version}',
      immutable: true,
      from: 'rc',
      sameVersion: true,
      latest: 'release-latest',
      approval: { required: 1 },
    },
  ],
} as const;

export const pipelineSchema = strictObject({
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
}).superRefine((pipeline, ctx) => {
  for (const key of Object.keys(pipeline.identities))
    if (!/^(slack|teams):\S+$/.test(key))
      ctx.addIssue({
        code: 'custom',
        path: ['identities', key],
        message: 'a chat identity is slack:<user id> or teams:<user id>',
      });
  const names = pipeline.stages.map((s) => s.name);
  pipeline.stages.forEach((stage, i) => {
    const path = ['stages', i];
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
    if (stage.sameVersion && !source)
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'sameVersion'],
        message: 'the first stage has no earlier stage to share a version with',
      });
  });
});

/** The pipeline definition as written in the file (after defaults). */
export type PipelineDefinition = z.output<typeof pipelineSchema>;

/** One stage, with its template compiled and its `from` resolved. */
export interface Stage {
  readonly name: string;
  readonly tag: TagTemplate;
  readonly immutable: boolean;
  /** The stage a digest must hold first, or undefined for the first stage. */
  readonly from: string | undefined;
  readonly sameVersion: boolean;
  /** A floating tag moved to every digest that enters the stage (`release-latest`), if any. */
  readonly latest: string | undefined;
  readonly approval: {
    readonly required: number;
    readonly approvers: { readonly ids: readonly string[]; readonly groups: readonly string[] };
    /** Milliseconds an approval stays valid. */
    readonly expiresAfterMs: number;
  };
}

/** A validated, compiled pipeline. */
export interface Pipeline {
  readonly buildTag: BuildTagPattern;
  readonly stages: readonly Stage[];
  /** Whether a stage tag moved by someone else is put back to the ledger's digest. */
  readonly restoreOnDrift: boolean;
  stage(name: string): Stage | undefined;
  /**
   * The stage whose tag template produced `tag`, or whose `latest` tag it is, if any: a push
   * to it is promoter's own re-tag, or drift.
   */
  stageOfTag(tag: string): Stage | undefined;
  /** The approver a chat user (`slack:U123`, `teams:<id>`) acts as: mapped, or the chat id itself. */
  approverFor(chatUser: string): { readonly id: string; readonly groups: readonly string[] };
}

/** Whether `tag` is one `template` (a stage's `tag`) can produce. */
function tagMatchesTemplate(template: string, tag: string): boolean {
  const parsed = parseTagTemplate(template);
  return parsed.ok && parsed.template.pattern.test(tag);
}

/**
 * The tags of `stage` that move from digest to digest: its own tag when it is mutable and has
 * no placeholder (`dev-latest`), and its `latest` tag (`release-latest`). A rollback moves these
 * and never an immutable tag.
 */
export function floatingTags(stage: Stage): readonly string[] {
  const own = !stage.immutable && stage.tag.placeholders.size === 0 ? [stage.tag.source] : [];
  return stage.latest === undefined ? own : [...own, stage.latest];
}

function durationMs(value: string): number {
  const parsed = parseDuration(value);
  if (parsed === undefined) throw new Error(`${value} is not a duration`); // unreachable: validated
  return parsed.ms;
}

/**
 * Validates a parsed pipeline file and compiles it. Throws a ValidationError naming each bad
 * field (`stages[1].approval.required: …`) and, for unknown fields, the allowed ones.
 * @param source names the file in error messages.
 */
export function parsePipeline(json: unknown, source = 'promoter.pipeline.json'): Pipeline {
  const definition = parseWith(pipelineSchema, source, json);
  return compilePipeline(definition);
}

function compilePipeline(definition: PipelineDefinition): Pipeline {
  const compiledBuildTag = compileBuildTagPattern(definition.buildTag);
  if (!compiledBuildTag.ok) throw new Error(compiledBuildTag.message); // unreachable: validated above
  const stages: Stage[] = definition.stages.map((s, i) => {
    const template = parseTagTemplate(s.tag);
    if (!template.ok) throw new Error(template.message); // unreachable: validated above
    return {
      name: s.name,
      tag: template.template,
      immutable: s.immutable,
      from: s.from ?? definition.stages[i - 1]?.name,
      sameVersion: s.sameVersion,
      latest: s.latest,
      approval: {
        required: s.approval.required,
        approvers: s.approval.approvers,
        expiresAfterMs: durationMs(s.approval.expiresAfter),
      },
    };
  });
  return {
    buildTag: compiledBuildTag.pattern,
    stages,
    restoreOnDrift: definition.restoreOnDrift,
    stage: (name) => stages.find((s) => s.name === name),
    stageOfTag: (tag) => stages.find((s) => s.latest === tag || s.tag.pattern.test(tag)),
    approverFor: (chatUser) => definition.identities[chatUser] ?? { id: chatUser, groups: [] },
  };
}

/** The seed pipeline, used when no pipeline file exists. */
export function defaultPipeline(): Pipeline {
  return parsePipeline(DEFAULT_PIPELINE_JSON, 'default pipeline');
}

/** The pipeline definition's JSON Schema, generated from the zod schema. */
export function pipelineJsonSchema(): unknown {
  return z.toJSONSchema(pipelineSchema, { io: 'input', unrepresentable: 'any' });
}
