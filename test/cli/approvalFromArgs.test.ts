import { describe, expect, it } from 'vitest';
import { approvalFromArgs, buildRefFromArg, describeSent } from '../../src/cli/approvalFromArgs.js';
import { parseApprovalMessage } from '../../src/domain/approvalMessage.js';

const digest = `sha256:${'ab'.repeat(32)}`;

describe('buildRefFromArg', () => {
  it.each([
    ['a sha256 digest', digest, { digest }],
    ['a sha512 digest', `sha512:${'c'.repeat(128)}`, { digest: `sha512:${'c'.repeat(128)}` }],
    ['a short git SHA', 'a1b2c3d', { gitSha: 'a1b2c3d' }],
    ['a full git SHA', 'a'.repeat(40), { gitSha: 'a'.repeat(40) }],
    ['an rc tag', '1.2.3-rc2', { tag: '1.2.3-rc2' }],
    ['a build tag', 'git-a1b2c3d', { tag: 'git-a1b2c3d' }],
    ['a floating tag', 'dev-latest', { tag: 'dev-latest' }],
    ['six hex characters (too short for a SHA)', 'abcdef', { tag: 'abcdef' }],
    ['41 hex characters (too long for a SHA)', 'a'.repeat(41), { tag: 'a'.repeat(41) }],
    ['uppercase hex', 'A1B2C3D', { tag: 'A1B2C3D' }],
    ['tag: forcing a SHA-like tag', 'tag:1234567', { tag: '1234567' }],
    ['git: forcing a SHA', 'git:a1b2c3d', { gitSha: 'a1b2c3d' }],
  ])('reads %s', (_, ref, expected) => {
    expect(buildRefFromArg(ref)).toEqual(expected);
  });
});

describe('approvalFromArgs', () => {
  it('builds the full message from every option', () => {
    const message = approvalFromArgs(
      'approve',
      'team/backend',
      'a1b2c3d',
      {
        stage: 'rc',
        version: '1.2.3',
        as: 'alice',
        name: 'Alice',
        group: ['qa', 'release'],
        comment: 'looks good',
        requestedBy: 'bob',
        source: 'gate',
        id: 'm-1',
      },
      () => 'unused',
    );
    expect(parseApprovalMessage(message)).toEqual({
      type: 'approval',
      id: 'm-1',
      repository: 'team/backend',
      build: { gitSha: 'a1b2c3d' },
      stage: 'rc',
      version: '1.2.3',
      decision: 'approve',
      approver: { id: 'alice', name: 'Alice', groups: ['qa', 'release'] },
      source: 'gate',
      comment: 'looks good',
      requestedBy: { id: 'bob' },
    });
  });

  it('leaves out what was not given and makes a new id', () => {
    const message = approvalFromArgs(
      'reject',
      'myapp',
      digest,
      { stage: 'release', as: 'alice', group: [], source: 'cli' },
      () => 'new-id',
    );
    expect(message).toEqual({
      type: 'approval',
      id: 'new-id',
      repository: 'myapp',
      build: { digest },
      stage: 'release',
      decision: 'reject',
      approver: { id: 'alice', groups: [] },
      source: 'cli',
    });
  });
});

describe('describeSent', () => {
  it.each([
    [
      'an approval by git SHA',
      { decision: 'approve', build: { gitSha: 'a1b2c3d' }, version: '1.2.3' },
      'queued approval m-1: rc 1.2.3 of myapp (git a1b2c3d) by alice',
    ],
    [
      'a rejection by tag',
      { decision: 'reject', build: { tag: '1.2.3-rc2' } },
      'queued rejection m-1: rc of myapp:1.2.3-rc2 by alice',
    ],
    [
      'an approval by digest',
      { decision: 'approve', build: { digest } },
      `queued approval m-1: rc of myapp@${digest} by alice`,
    ],
  ] as const)('says what was sent for %s', (_, part, expected) => {
    const message = parseApprovalMessage({
      type: 'approval',
      id: 'm-1',
      repository: 'myapp',
      stage: 'rc',
      approver: { id: 'alice' },
      source: 'cli',
      ...part,
    });
    expect(describeSent(message)).toBe(expected);
  });
});
