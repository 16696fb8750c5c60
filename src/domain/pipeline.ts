import { compileBuildTagPattern, DEFAULT_BUILD_TAG, type BuildTagPattern } from './buildTag.js';
import { parseDuration } from './duration.js';
import { evidenceRequirement, type EvidenceRequirement } from './evidence.js';
import { pipelineSchema, type PipelineDefinition } from './pipelineSchema.js';
import { compileRegistryDeclaration, type RegistryDeclaration } from './registryDeclaration.js';
import {
  parseRepositoryTemplate,
  SAME_REPOSITORY,
  type RepositoryTemplate,
} from './repositoryTemplate.js';
import { parseTagTemplate, type TagTemplate } from './tagTemplate.js';
import { parseWith } from './zodIssues.js';

/**
 * The pipeline definition (`promoter.pipeline.json`): how builds are recognised and which
 * stages a digest moves through, with each stage's tag and approval policy. Pure: the file
 * is read elsewhere and its parsed JSON handed to `parsePipeline`; its schema is in
 * `pipelineSchema.ts`.
 */

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
  /**
   * The declared registry (login server) the stage's tags are written in, or undefined for the
   * registry builds are pushed to.
   */
  readonly registry: string | undefined;
  /** The repository the stage's tags are written in, from the build's repository. */
  readonly repository: RepositoryTemplate;
  /** What the digest needs beside approvals (`gatePolicy.ts`); all empty: nothing. */
  readonly gates: StageGates;
}

/** A stage's gates beside approvals, compiled. */
export interface StageGates {
  /** Check names that must have succeeded on the digest. */
  readonly checks: readonly string[];
  /** How long the digest must have held the `from` stage, if at all. */
  readonly soak: { readonly ms: number; readonly label: string } | undefined;
  /** Referrers the digest must have. */
  readonly evidence: readonly EvidenceRequirement[];
  /** Groups whose members may override checks, soak and evidence (empty: nobody). */
  readonly overrideGroups: readonly string[];
}

/** A validated, compiled pipeline. */
export interface Pipeline {
  readonly buildTag: BuildTagPattern;
  readonly stages: readonly Stage[];
  /** Whether a stage tag moved by someone else is put back to the ledger's digest. */
  readonly restoreOnDrift: boolean;
  /** The registries stages write in besides the build registry, with how promoter signs in. */
  readonly registries: readonly RegistryDeclaration[];
  stage(name: string): Stage | undefined;
  /**
   * The stage whose tag template produced `tag`, or whose `latest` tag it is, if any: a push
   * to it is promoter's own re-tag, or drift.
   */
  stageOfTag(tag: string): Stage | undefined;
  /** The approver a chat user (`slack:U123`, `teams:<id>`) acts as: mapped, or the chat id itself. */
  approverFor(chatUser: string): { readonly id: string; readonly groups: readonly string[] };
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
      gates: {
        checks: s.checks,
        soak: s.soak === undefined ? undefined : parseDuration(s.soak),
        evidence: s.evidence.map(evidenceRequirement),
        overrideGroups: s.override?.groups ?? [],
      },
      registry: s.registry,
      repository: repositoryTemplateOf(s.repository ?? SAME_REPOSITORY),
    };
  });
  return {
    buildTag: compiledBuildTag.pattern,
    stages,
    restoreOnDrift: definition.restoreOnDrift,
    registries: Object.entries(definition.registries).map(([server, entry]) =>
      compileRegistryDeclaration(server, entry),
    ),
    stage: (name) => stages.find((s) => s.name === name),
    stageOfTag: (tag) => stages.find((s) => s.latest === tag || s.tag.pattern.test(tag)),
    approverFor: (chatUser) => definition.identities[chatUser] ?? { id: chatUser, groups: [] },
  };
}

function repositoryTemplateOf(source: string): RepositoryTemplate {
  const parsed = parseRepositoryTemplate(source);
  if (!parsed.ok) throw new Error(parsed.message); // unreachable: validated
  return parsed.template;
}

/** The seed pipeline, used when no pipeline file exists. */
export function defaultPipeline(): Pipeline {
  return parsePipeline(DEFAULT_PIPELINE_JSON, 'default pipeline');
}
