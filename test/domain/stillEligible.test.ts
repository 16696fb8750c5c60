import { describe, expect, it } from 'vitest';
import type { RecordedApproval } from '../../src/domain/outcomeEvent.js';
import { DEFAULT_PIPELINE_JSON, parsePipeline, type Stage } from '../../src/domain/pipeline.js';
import { stillEligible } from '../../src/domain/stillEligible.js';

const now = new Date('2026-11-27T10:00:00Z');

function stage(required: number, approvers: { ids?: string[]; groups?: string[] } = {}): Stage {
  const pipeline = parsePipeline({
    ...DEFAULT_PIPELINE_JSON,
    stages: DEFAULT_PIPELINE_JSON.stages.map((s) =>
      s.name === 'release' ? { ...s, approval: { required, approvers, expiresAfter: '1d' } } : s,
    ),
  });
  const release = pipeline.stage('release');
  if (!release) throw new Error('no release stage');
  return release;
}

const approval = (approverId: string, at = '2026-11-27T09:00:00Z', decision = 'approve') =>
  ({ approverId, at, decision, messageId: `m-${approverId}`, source: 'cli' }) as RecordedApproval;

describe('stillEligible: who may still approve a pending promotion', () => {
  it.each([
    {
      case: 'anyone, nobody known to leave out',
      stage: stage(1),
      approvals: [],
      author: undefined,
      requester: undefined,
      text: 'anyone but the build’s author or the requester',
      needed: 1,
    },
    {
      case: 'anyone but the author, the requester and who approved already',
      stage: stage(3),
      approvals: [approval('alice')],
      author: 'carol',
      requester: 'dave',
      text: 'anyone but carol (pushed the build), dave (requested it) or alice (approved already)',
      needed: 2,
    },
    {
      case: 'the named approvers less who approved and the author',
      stage: stage(2, { ids: ['alice', 'bob', 'carol'] }),
      approvals: [approval('alice')],
      author: 'carol',
      requester: undefined,
      text: 'bob',
      needed: 1,
    },
    {
      case: 'named approvers and a group (whose members may include who is left out)',
      stage: stage(2, { ids: ['alice', 'bob'], groups: ['release-managers'] }),
      approvals: [approval('alice')],
      author: undefined,
      requester: undefined,
      text: 'bob or a member of release-managers (not alice)',
      needed: 1,
    },
    {
      case: 'an expired approval: its approver may approve again',
      stage: stage(2, { ids: ['alice', 'bob'] }),
      approvals: [approval('alice', '2026-11-25T09:00:00Z')],
      author: undefined,
      requester: undefined,
      text: 'alice or bob',
      needed: 2,
    },
    {
      case: 'a rejection is no approval',
      stage: stage(1, { ids: ['alice', 'bob'] }),
      approvals: [approval('alice', '2026-11-27T09:00:00Z', 'reject')],
      author: undefined,
      requester: undefined,
      text: 'alice or bob',
      needed: 1,
    },
    {
      case: 'everyone on the list left out',
      stage: stage(2, { ids: ['alice', 'carol'] }),
      approvals: [approval('alice')],
      author: 'carol',
      requester: undefined,
      text: 'nobody left on the stage’s approver list',
      needed: 1,
    },
  ])('$case', ({ stage: s, approvals, author, requester, text, needed }) => {
    const result = stillEligible(s, { approvals, author, requester, now });
    expect(result.text).toBe(text);
    expect(result.needed).toBe(needed);
  });

  it('lists ids, groups and who is left out and why, for the JSON', () => {
    const result = stillEligible(stage(2, { ids: ['alice', 'bob'], groups: ['ops'] }), {
      approvals: [approval('alice'), approval('alice')],
      author: 'carol',
      requester: 'carol',
      now,
    });
    expect(result).toMatchObject({
      anyone: false,
      ids: ['bob'],
      groups: ['ops'],
      excluded: [
        { id: 'carol', why: 'pushed the build' },
        { id: 'alice', why: 'approved already' },
      ],
      needed: 1,
    });
  });
});
