import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/domain/checkResult.js';
import { replacesCheck } from '../../src/domain/checkResult.js';
import { describeOpen, evaluateGates, type GateInput } from '../../src/domain/gatePolicy.js';
import { DEFAULT_PIPELINE_JSON, parsePipeline, type Stage } from '../../src/domain/pipeline.js';

const NOW = new Date('2026-03-02T12:00:00.000Z');
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** The seed pipeline's release stage with gate fields added. */
function release(gates: Record<string, unknown>, required = 1): Stage {
  const json = structuredClone(DEFAULT_PIPELINE_JSON) as unknown as {
    stages: Record<string, unknown>[];
  };
  json.stages[2] = { ...json.stages[2], ...gates, approval: { required } };
  const stage = parsePipeline(json).stage('release');
  if (!stage) throw new Error('no release stage');
  return stage;
}

const check = (name: string, conclusion: 'success' | 'failure', at = '2026-03-02T11:00:00.000Z') =>
  ({
    repository: 'team/app',
    digest: DIGEST,
    name,
    conclusion,
    reporter: 'ci:pipeline',
    detailsUrl: `https://ci.example/${name}`,
    at,
    messageId: `${name}-${conclusion}-${at}`,
  }) satisfies CheckResult;

const SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const NOTARY = 'application/vnd.cncf.notary.signature';
const SPDX = 'application/spdx+json';
const member = { id: 'carol', groups: ['release-managers'] };
const outsider = { id: 'dave', groups: ['developers'] };

const all = {
  checks: ['trivy', 'e2e'],
  soak: '24h',
  evidence: ['signature', 'sbom'],
  override: { groups: ['release-managers'] },
};
const enteredLongAgo = '2026-03-01T00:00:00.000Z'; // 36 h before NOW
const enteredRecently = '2026-03-02T06:00:00.000Z'; // 6 h before NOW: soak until 03-03 06:00

type Row = [
  label: string,
  input: Partial<GateInput>,
  expected: { kind: 'go' | 'pending' | 'refuse'; open?: string[]; overridden?: string[] },
];

const base: GateInput = {
  stage: release(all),
  approvals: 1,
  checks: [check('trivy', 'success'), check('e2e', 'success')],
  enteredFromAt: enteredLongAgo,
  referrerTypes: [SIGNATURE, SPDX],
  now: NOW,
};

const rows: Row[] = [
  ['everything holds', {}, { kind: 'go', open: [] }],
  ['quorum short', { approvals: 0 }, { kind: 'pending', open: ['approvals'] }],
  [
    'a check has not reported',
    { checks: [check('trivy', 'success')] },
    { kind: 'pending', open: ['e2e'] },
  ],
  [
    'a check failed',
    { checks: [check('trivy', 'failure'), check('e2e', 'success')] },
    { kind: 'pending', open: ['trivy'] },
  ],
  ['no check reported at all', { checks: [] }, { kind: 'pending', open: ['trivy', 'e2e'] }],
  [
    'results of other checks are ignored',
    { checks: [check('lint', 'success'), check('e2e', 'success')] },
    { kind: 'pending', open: ['trivy'] },
  ],
  ['still soaking', { enteredFromAt: enteredRecently }, { kind: 'pending', open: ['soak'] }],
  [
    'not in from yet: soak not begun',
    { enteredFromAt: undefined },
    { kind: 'pending', open: ['soak'] },
  ],
  [
    'soak ends exactly now',
    { enteredFromAt: '2026-03-01T12:00:00.000Z' },
    { kind: 'go', open: [] },
  ],
  ['no signature', { referrerTypes: [SPDX] }, { kind: 'pending', open: ['signature'] }],
  ['a Notary signature counts', { referrerTypes: [NOTARY, SPDX] }, { kind: 'go', open: [] }],
  ['no referrers', { referrerTypes: [] }, { kind: 'pending', open: ['signature', 'sbom'] }],
  [
    'referrers not looked up',
    { referrerTypes: undefined },
    { kind: 'pending', open: ['signature', 'sbom'] },
  ],
  [
    'quorum short and every gate open',
    { approvals: 0, checks: [], enteredFromAt: enteredRecently, referrerTypes: [] },
    { kind: 'pending', open: ['approvals', 'trivy', 'e2e', 'soak', 'signature', 'sbom'] },
  ],
  [
    'override by a member passes checks, soak and evidence',
    {
      checks: [check('trivy', 'failure')],
      enteredFromAt: enteredRecently,
      referrerTypes: [],
      override: { approver: member, reason: 'hotfix' },
    },
    { kind: 'go', open: [], overridden: ['trivy', 'e2e', 'soak', 'signature', 'sbom'] },
  ],
  [
    'override never passes missing approvals',
    { approvals: 0, checks: [], override: { approver: member, reason: 'hotfix' } },
    { kind: 'pending', open: ['approvals'] },
  ],
  [
    'override with nothing to pass',
    { override: { approver: member, reason: 'hotfix' } },
    { kind: 'go', open: [], overridden: [] },
  ],
  [
    'override by a non-member is refused',
    { checks: [], override: { approver: outsider, reason: 'hotfix' } },
    { kind: 'refuse' },
  ],
  [
    'override on a stage without override groups is refused',
    {
      stage: release({ checks: ['trivy'] }),
      checks: [],
      override: { approver: member, reason: 'x' },
    },
    { kind: 'refuse' },
  ],
  [
    'automatic stage with a check that passed',
    { stage: release({ checks: ['e2e'] }, 0), approvals: 0, checks: [check('e2e', 'success')] },
    { kind: 'go', open: [] },
  ],
  [
    'automatic stage with a check that failed',
    { stage: release({ checks: ['e2e'] }, 0), approvals: 0, checks: [check('e2e', 'failure')] },
    { kind: 'pending', open: ['e2e'] },
  ],
  [
    'a stage without gates needs approvals only',
    { stage: release({}), checks: [], enteredFromAt: undefined, referrerTypes: undefined },
    { kind: 'go', open: [] },
  ],
];

describe('the combined gate policy (approvals × checks × soak × evidence × override)', () => {
  it.each(rows)('%s', (_label, input, expected) => {
    const verdict = evaluateGates({ ...base, ...input });
    expect(verdict.kind).toBe(expected.kind);
    if (verdict.kind === 'refuse') return;
    const open = verdict.kind === 'pending' ? verdict.open.map((c) => c.name) : [];
    expect(open).toEqual(expected.open);
    if (expected.overridden !== undefined && verdict.kind === 'go')
      expect(verdict.overridden.map((c) => c.name)).toEqual(expected.overridden);
  });

  it('says what each open condition waits for, who reported and the link', () => {
    const verdict = evaluateGates({
      ...base,
      checks: [check('trivy', 'failure')],
      enteredFromAt: enteredRecently,
      referrerTypes: [SPDX],
    });
    expect(verdict.kind).toBe('pending');
    if (verdict.kind !== 'pending') return;
    expect(describeOpen(verdict.conditions)).toBe(
      'check trivy failed at 2026-03-02T11:00:00.000Z (https://ci.example/trivy); check e2e has not reported; soaking in rc until 2026-03-03T06:00:00.000Z (24 hours from 2026-03-02T06:00:00.000Z); no signature referrer',
    );
    const trivy = verdict.conditions.find((c) => c.name === 'trivy');
    expect(trivy).toMatchObject({
      met: false,
      reporter: 'ci:pipeline',
      url: 'https://ci.example/trivy',
    });
    expect(verdict.soakUntil).toBe('2026-03-03T06:00:00.000Z');
    expect(verdict.onlySoak).toBe(false);
  });

  it('says when only the soak is left, and until when', () => {
    const verdict = evaluateGates({ ...base, enteredFromAt: enteredRecently });
    expect(verdict).toMatchObject({
      kind: 'pending',
      onlySoak: true,
      soakUntil: '2026-03-03T06:00:00.000Z',
    });
  });

  it('names the groups when refusing an override', () => {
    const verdict = evaluateGates({ ...base, override: { approver: outsider, reason: 'x' } });
    expect(verdict).toEqual({
      kind: 'refuse',
      reason: 'dave may not override stage release (override groups: release-managers)',
    });
  });
});

describe('which check result counts', () => {
  const failure = check('trivy', 'failure', '2026-03-02T10:00:00.000Z');
  const success = check('trivy', 'success', '2026-03-02T11:00:00.000Z');
  it.each([
    ['the first result', undefined, failure, true],
    ['a later result', failure, success, true],
    ['a redelivery of the recorded message', success, success, false],
    ['an older result arriving late', success, failure, false],
  ] as const)('%s', (_label, recorded, incoming, replaces) => {
    expect(replacesCheck(recorded, incoming)).toBe(replaces);
  });
});
