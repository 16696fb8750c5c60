import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import {
  DEFAULT_PIPELINE_JSON,
  defaultPipeline,
  floatingTags,
  parsePipeline,
  type Pipeline,
} from '../../src/domain/pipeline.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A pipeline file as JSON, loosely typed so that tests can break it. */
interface ApprovalJson {
  [field: string]: unknown;
}
interface StageJson {
  [field: string]: unknown;
  approval: ApprovalJson;
}
interface PipelineJson {
  [field: string]: unknown;
  stages: StageJson[];
}

/** A fresh copy of the seed pipeline's JSON. */
function seed(): PipelineJson {
  return structuredClone(DEFAULT_PIPELINE_JSON) as unknown as PipelineJson;
}

/** The seed pipeline with fields of stage `index` replaced. */
function withStage(index: number, fields: Record<string, unknown>): PipelineJson {
  const json = seed();
  json.stages = json.stages.map((stage, i) => (i === index ? { ...stage, ...fields } : stage));
  return json;
}

/** The seed pipeline with fields of stage `index`'s approval replaced. */
function withApproval(index: number, fields: Record<string, unknown>): PipelineJson {
  const json = seed();
  json.stages = json.stages.map((stage, i) =>
    i === index ? { ...stage, approval: { ...stage.approval, ...fields } } : stage,
  );
  return json;
}

/** The stages as a reader of the pipeline file sees them. */
function summary(pipeline: Pipeline) {
  return pipeline.stages.map((s) => ({
    name: s.name,
    tag: s.tag.source,
    from: s.from,
    immutable: s.immutable,
    sameVersion: s.sameVersion,
    required: s.approval.required,
    approvers: s.approval.approvers,
    expiresAfterMs: s.approval.expiresAfterMs,
  }));
}

function validationErrorOf(json: unknown, source?: string): ValidationError {
  try {
    parsePipeline(json, source);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the pipeline to be refused');
}

describe('the default pipeline', () => {
  const pipeline = defaultPipeline();

  it('recognises builds by git-{sha}', () => {
    expect(pipeline.buildTag.source).toBe('git-{sha}');
    expect(pipeline.buildTag.gitShaOf('git-a1b2c3d')).toBe('a1b2c3d');
  });

  it('moves a digest through dev, rc and release', () => {
    expect(summary(pipeline)).toEqual([
      {
        name: 'dev',
        tag: 'dev-latest',
        from: undefined,
        immutable: false,
        sameVersion: false,
        required: 0,
        approvers: { ids: [], groups: [] },
        expiresAfterMs: 7 * DAY_MS,
      },
      {
        name: 'rc',
        tag: '{version}-rc{n}',
        from: 'dev',
        immutable: true,
        sameVersion: false,
        required: 1,
        approvers: { ids: [], groups: [] },
        expiresAfterMs: 7 * DAY_MS,
      },
      {
        name: 'release',
        tag: '{version}',
        from: 'rc',
        immutable: true,
        sameVersion: true,
        required: 1,
        approvers: { ids: [], groups: [] },
        expiresAfterMs: 7 * DAY_MS,
      },
    ]);
  });

  it.each([
    ['dev', 'dev'],
    ['rc', 'rc'],
    ['release', 'release'],
    ['qa', undefined],
  ])('finds stage %s by name', (name, found) => {
    expect(pipeline.stage(name)?.name).toBe(found);
  });

  it.each([
    ['dev-latest', 'dev'],
    ['1.2.3-rc1', 'rc'],
    ['1.2.3-rc2', 'rc'],
    ['10.0.0-beta.1-rc12', 'rc'],
    ['1.2.3', 'release'],
    ['2.0.0-beta.1', 'release'],
    ['git-abc1234', undefined],
    ['latest', undefined],
    ['v1.2.3', undefined],
    ['dev-latest-2', undefined],
    ['1.2', undefined],
    ['release-latest', 'release'],
  ])('stageOfTag(%s) is %s', (tag, stage) => {
    expect(pipeline.stageOfTag(tag)?.name).toBe(stage);
  });

  it('moves dev-latest and release-latest on promotion and rollback, never an immutable tag', () => {
    expect(pipeline.stages.map((s) => [s.name, floatingTags(s)])).toEqual([
      ['dev', ['dev-latest']],
      ['rc', []],
      ['release', ['release-latest']],
    ]);
    expect(pipeline.restoreOnDrift).toBe(false);
  });

  it('renders each stage tag', () => {
    expect(pipeline.stage('rc')?.tag.render({ version: '1.2.3', n: 1 })).toBe('1.2.3-rc1');
    expect(pipeline.stage('release')?.tag.render({ version: '1.2.3' })).toBe('1.2.3');
  });
});

describe('parsePipeline', () => {
  it('fills in defaults: buildTag, from = the stage before, no sameVersion, any approver, 7d', () => {
    const pipeline = parsePipeline({
      stages: [
        { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
        { name: 'prod', tag: 'prod-{sha}', immutable: true, approval: { required: 2 } },
      ],
    });
    expect(pipeline.buildTag.source).toBe('git-{sha}');
    expect(summary(pipeline)[1]).toEqual({
      name: 'prod',
      tag: 'prod-{sha}',
      from: 'dev',
      immutable: true,
      sameVersion: false,
      required: 2,
      approvers: { ids: [], groups: [] },
      expiresAfterMs: 7 * DAY_MS,
    });
  });

  it('accepts a $schema reference and a custom build tag', () => {
    const pipeline = parsePipeline({
      ...seed(),
      $schema: './schemas/pipeline.schema.json',
      buildTag: 'build-{sha}-linux',
    });
    expect(pipeline.buildTag.gitShaOf('build-a1b2c3d-linux')).toBe('a1b2c3d');
  });

  it.each([
    ['30m', 30 * 60 * 1000],
    ['12h', 12 * 60 * 60 * 1000],
    ['1d', DAY_MS],
    ['90d', 90 * DAY_MS],
  ])('reads expiresAfter %s as %d ms', (expiresAfter, ms) => {
    const pipeline = parsePipeline(withApproval(1, { expiresAfter }));
    expect(pipeline.stage('rc')?.approval.expiresAfterMs).toBe(ms);
  });

  it('keeps the approvers it is given', () => {
    const pipeline = parsePipeline(
      withApproval(2, { approvers: { ids: ['alice@example.com'], groups: ['release-managers'] } }),
    );
    expect(pipeline.stage('release')?.approval.approvers).toEqual({
      ids: ['alice@example.com'],
      groups: ['release-managers'],
    });
  });

  it.each<[string, unknown, string, string]>([
    ['a document that is not an object', null, '', 'expected object'],
    ['no stages', { buildTag: 'git-{sha}' }, 'stages', 'expected array'],
    ['empty stages', { stages: [] }, 'stages', 'a pipeline needs at least one stage'],
    [
      'an unknown top-level field',
      { ...seed(), stage: [] },
      '',
      'unknown field "stage"; allowed: $schema, buildTag, stages',
    ],
    [
      'an unknown stage field',
      withStage(1, { approvals: 2 }),
      'stages[1]',
      'unknown field "approvals"; allowed: name, tag, immutable, from, sameVersion, latest, approval',
    ],
    [
      'two unknown stage fields',
      withStage(0, { color: 'blue', size: 1 }),
      'stages[0]',
      'unknown fields "color", "size"; allowed: name, tag, immutable, from, sameVersion, latest, approval',
    ],
    [
      'an unknown approval field',
      withApproval(1, { count: 1 }),
      'stages[1].approval',
      'unknown field "count"; allowed: required, approvers, expiresAfter',
    ],
    [
      'an unknown approvers field',
      withApproval(1, { approvers: { users: ['alice'] } }),
      'stages[1].approval.approvers',
      'unknown field "users"; allowed: ids, groups',
    ],
    [
      'a negative approval count',
      withApproval(1, { required: -1 }),
      'stages[1].approval.required',
      '>=0',
    ],
    [
      'a fractional approval count',
      withApproval(1, { required: 1.5 }),
      'stages[1].approval.required',
      'expected int',
    ],
    [
      'too many approvals',
      withApproval(2, { required: 11 }),
      'stages[2].approval.required',
      '<=10',
    ],
    [
      'an approval count as text',
      withApproval(1, { required: '1' }),
      'stages[1].approval.required',
      'expected number',
    ],
    ['no approval', withStage(1, { approval: undefined }), 'stages[1].approval', 'expected object'],
    [
      'no immutable',
      withStage(1, { immutable: undefined }),
      'stages[1].immutable',
      'expected boolean',
    ],
    [
      'an uppercase stage name',
      withStage(1, { name: 'RC' }),
      'stages[1].name',
      'a stage name is 1–32 lowercase letters, digits or -, starting with a letter',
    ],
    [
      'a duplicate stage name',
      withStage(2, { name: 'rc' }),
      'stages[2].name',
      'stage "rc" is defined twice',
    ],
    [
      'from naming a later stage',
      withStage(1, { from: 'release' }),
      'stages[1].from',
      '"release" is not an earlier stage; allowed: dev',
    ],
    [
      'from naming an unknown stage',
      withStage(2, { from: 'qa' }),
      'stages[2].from',
      '"qa" is not an earlier stage; allowed: dev, rc',
    ],
    [
      'from on the first stage',
      withStage(0, { from: 'dev' }),
      'stages[0].from',
      '"dev" is not an earlier stage; allowed: (none: the first stage has no from)',
    ],
    [
      'an immutable tag without a placeholder',
      withStage(2, { tag: 'stable', sameVersion: false }),
      'stages[2].tag',
      'an immutable tag needs a placeholder ({version}, {n} or {sha}); "stable" could be written only once',
    ],
    [
      '{n} without {version}',
      withStage(1, { tag: 'rc{n}' }),
      'stages[1].tag',
      '{n} counts per version, so the tag needs {version} too',
    ],
    [
      'an unknown tag placeholder',
      withStage(1, { tag: '{semver}-rc{n}' }),
      'stages[1].tag',
      'unknown placeholder {semver}; allowed: {version}, {n}, {sha}',
    ],
    [
      'a tag with characters tags cannot hold',
      withStage(0, { tag: 'dev latest' }),
      'stages[0].tag',
      '"dev latest" has characters a tag cannot hold',
    ],
    [
      'sameVersion on a tag without {version}',
      withStage(2, { tag: 'release-{sha}' }),
      'stages[2].sameVersion',
      'sameVersion needs {version} in this stage’s tag',
    ],
    [
      'sameVersion from a stage whose tag has no {version}',
      withStage(2, { from: 'dev' }),
      'stages[2].sameVersion',
      'sameVersion needs {version} in the tag of stage "dev"',
    ],
    [
      'sameVersion on the first stage',
      withStage(0, { tag: '{version}-dev', sameVersion: true }),
      'stages[0].sameVersion',
      'the first stage has no earlier stage to share a version with',
    ],
    [
      'a duration in words',
      withApproval(1, { expiresAfter: '7 days' }),
      'stages[1].approval.expiresAfter',
      'a duration is a whole number followed by m (minutes), h (hours) or d (days), e.g. 7d',
    ],
    [
      'a duration in weeks',
      withApproval(1, { expiresAfter: '1w' }),
      'stages[1].approval.expiresAfter',
      'e.g. 7d',
    ],
    [
      'a zero duration',
      withApproval(1, { expiresAfter: '0d' }),
      'stages[1].approval.expiresAfter',
      'e.g. 7d',
    ],
    [
      'a duration as a number',
      withApproval(1, { expiresAfter: 7 }),
      'stages[1].approval.expiresAfter',
      'expected string',
    ],
    [
      'a floating tag with a placeholder',
      withStage(1, { latest: 'rc-{version}' }),
      'stages[1].latest',
      'a tag is 1–128 letters, digits, _ . -',
    ],
    [
      'a floating tag another stage writes',
      withStage(1, { latest: '1.2.3' }),
      'stages[1].latest',
      '"1.2.3" is already a tag of stage "release"; a floating tag belongs to one stage',
    ],
    [
      'a floating tag shared by two stages',
      withStage(1, { latest: 'release-latest' }),
      'stages[1].latest',
      'a floating tag belongs to one stage',
    ],
    [
      'a floating tag that is a build tag',
      withStage(1, { latest: 'git-abcdef1' }),
      'stages[1].latest',
      'looks like a build tag (git-{sha})',
    ],
    [
      'restoreOnDrift that is not a boolean',
      { ...seed(), restoreOnDrift: 'yes' },
      'restoreOnDrift',
      'expected boolean',
    ],
    [
      'a build tag without {sha}',
      { ...seed(), buildTag: 'latest' },
      'buildTag',
      '"latest" must contain {sha} and no other placeholder, e.g. git-{sha}',
    ],
  ])('refuses %s, naming the field', (_name, json, path, message) => {
    const error = validationErrorOf(json);
    expect(error.subject).toBe('promoter.pipeline.json');
    expect(error.issues).toContainEqual({
      path,
      message: expect.stringContaining(message) as string,
    });
    expect(error.message).toContain(path ? `${path}: ` : 'promoter.pipeline.json: ');
    expect(error.message).toContain(message);
  });

  it('reports every problem at once', () => {
    const json = withStage(2, { name: 'rc' });
    const stage = json.stages[1];
    if (stage) stage.approval = { required: -1, expiresAfter: 'soon' };
    expect(validationErrorOf(json).issues.map((i) => i.path)).toEqual([
      'stages[1].approval.required',
      'stages[1].approval.expiresAfter',
      'stages[2].name',
    ]);
  });

  it('names the file it read in the message', () => {
    expect(validationErrorOf({ stages: [] }, 'deploy/pipeline.json').message).toBe(
      'deploy/pipeline.json: stages: a pipeline needs at least one stage',
    );
  });
});

describe('chat identities', () => {
  it('map a chat user to an approver id and groups, and leave others as their chat id', () => {
    const pipeline = parsePipeline({
      ...DEFAULT_PIPELINE_JSON,
      identities: { 'slack:U123': { id: 'alice', groups: ['release-managers'] } },
    });
    expect(pipeline.approverFor('slack:U123')).toEqual({
      id: 'alice',
      groups: ['release-managers'],
    });
    expect(pipeline.approverFor('teams:29:abc')).toEqual({ id: 'teams:29:abc', groups: [] });
  });

  it('refuse a key that is not a chat identity, naming it', () => {
    expect(() =>
      parsePipeline({ ...DEFAULT_PIPELINE_JSON, identities: { alice: { id: 'alice' } } }),
    ).toThrow(/identities\.alice.*slack:<user id>/);
  });
});
