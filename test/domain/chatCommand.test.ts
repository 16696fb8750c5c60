import { describe, expect, it } from 'vitest';
import type { ApprovalMessage } from '../../src/domain/approvalMessage.js';
import { encodeChatAction, isChatActionId, parseChatAction } from '../../src/domain/chatAction.js';
import { chatApproval, queuedText } from '../../src/domain/chatApproval.js';
import {
  chatUsage,
  parseChatCommand,
  usageText,
  type ChatDecision,
} from '../../src/domain/chatCommand.js';

const digest = `sha256:${'4f53ab12cd34'.padEnd(64, '0')}`;

describe('parseChatCommand', () => {
  it.each([
    [
      'approve myapp a1b2c3d rc 1.2.3',
      {
        kind: 'approve',
        repository: 'myapp',
        build: { gitSha: 'a1b2c3d' },
        stage: 'rc',
        version: '1.2.3',
      },
    ],
    [
      `reject team/backend ${digest} release`,
      { kind: 'reject', repository: 'team/backend', build: { digest }, stage: 'release' },
    ],
    [
      'approve myapp 1.2.3-rc1 release',
      { kind: 'approve', repository: 'myapp', build: { tag: '1.2.3-rc1' }, stage: 'release' },
    ],
    [
      'approve myapp git-a1b2c3d rc 1.2.3 -- looks good to me',
      {
        kind: 'approve',
        repository: 'myapp',
        build: { tag: 'git-a1b2c3d' },
        stage: 'rc',
        version: '1.2.3',
        comment: 'looks good to me',
      },
    ],
    [
      'approve myapp a1b2c3d rc 1.2.3 — ship it',
      {
        kind: 'approve',
        repository: 'myapp',
        build: { gitSha: 'a1b2c3d' },
        stage: 'rc',
        version: '1.2.3',
        comment: 'ship it',
      },
    ],
    [
      'reject myapp a1b2c3d rc -- breaks &lt;login&gt; &amp; signup',
      {
        kind: 'reject',
        repository: 'myapp',
        build: { gitSha: 'a1b2c3d' },
        stage: 'rc',
        comment: 'breaks <login> & signup',
      },
    ],
    [
      '  APPROVE   myapp\ta1b2c3d  rc  ',
      { kind: 'approve', repository: 'myapp', build: { gitSha: 'a1b2c3d' }, stage: 'rc' },
    ],
    [
      'approve my--app a1b2c3d rc --',
      { kind: 'approve', repository: 'my--app', build: { gitSha: 'a1b2c3d' }, stage: 'rc' },
    ],
    [
      'approve myapp tag:1234567 rc',
      { kind: 'approve', repository: 'myapp', build: { tag: '1234567' }, stage: 'rc' },
    ],
    [
      'approve myapp git:a1b2c3d rc',
      { kind: 'approve', repository: 'myapp', build: { gitSha: 'a1b2c3d' }, stage: 'rc' },
    ],
    ['status team/backend', { kind: 'status', repository: 'team/backend' }],
  ])('reads %j', (text, expected) => {
    expect(parseChatCommand(text)).toEqual(expected);
  });

  it.each(['', '   ', 'help', 'HELP me'])('answers %j with the usage and no problem', (text) => {
    expect(parseChatCommand(text)).toEqual({ kind: 'usage', usage: chatUsage() });
  });

  it.each([
    [
      'approve myapp',
      'approve needs <repository> <git-sha|digest|tag> <stage>; missing <git-sha|digest|tag>',
    ],
    [
      'reject myapp a1b2c3d',
      'reject needs <repository> <git-sha|digest|tag> <stage>; missing <stage>',
    ],
    ['approve', 'approve needs <repository> <git-sha|digest|tag> <stage>; missing <repository>'],
    [
      'approve myapp a1b2c3d rc 1.2.3 ship it',
      'unexpected "ship it" after the version; put a comment after --, e.g. -- ship it',
    ],
    ['status', 'status needs <repository>'],
    ['status myapp other', 'status takes only <repository>; "other" is extra'],
    [
      'deploy myapp',
      'unknown command "deploy": use approve, reject, rollback, unpin, status or help',
    ],
  ])('answers %j with the usage, saying what was wrong', (text, problem) => {
    expect(parseChatCommand(text)).toEqual({ kind: 'usage', usage: chatUsage(), problem });
  });

  it.each([
    [
      'rollback myapp release 1.2.3 1.2.4 breaks checkout',
      {
        kind: 'rollback',
        repository: 'myapp',
        stage: 'release',
        to: { tag: '1.2.3' },
        reason: '1.2.4 breaks checkout',
      },
    ],
    [
      `ROLLBACK team/backend release ${digest} crash loop -- see INC-42`,
      {
        kind: 'rollback',
        repository: 'team/backend',
        stage: 'release',
        to: { digest },
        reason: 'crash loop -- see INC-42',
      },
    ],
    [
      'rollback myapp dev a1b2c3d -- login is &lt;broken&gt; &amp; slow',
      {
        kind: 'rollback',
        repository: 'myapp',
        stage: 'dev',
        to: { gitSha: 'a1b2c3d' },
        reason: 'login is <broken> & slow',
      },
    ],
    [
      'rollback myapp release tag:1234567 “1.2.4 breaks checkout”',
      {
        kind: 'rollback',
        repository: 'myapp',
        stage: 'release',
        to: { tag: '1234567' },
        reason: '1.2.4 breaks checkout',
      },
    ],
    [
      'rollback myapp rc git:a1b2c3d "a" and "b"',
      {
        kind: 'rollback',
        repository: 'myapp',
        stage: 'rc',
        to: { gitSha: 'a1b2c3d' },
        reason: '"a" and "b"',
      },
    ],
    [
      'unpin myapp release fixed in 1.2.5',
      { kind: 'unpin', repository: 'myapp', stage: 'release', reason: 'fixed in 1.2.5' },
    ],
    [
      'unpin myapp release — fixed in 1.2.5',
      { kind: 'unpin', repository: 'myapp', stage: 'release', reason: 'fixed in 1.2.5' },
    ],
    ['  unpin\tmyapp  release  ', { kind: 'unpin', repository: 'myapp', stage: 'release' }],
    ['unpin myapp release --', { kind: 'unpin', repository: 'myapp', stage: 'release' }],
  ])('reads the operation %j', (text, expected) => {
    expect(parseChatCommand(text)).toEqual(expected);
  });

  it.each([
    ['rollback', 'rollback needs <repository> <stage> <to> <reason…>; missing <repository>'],
    ['rollback myapp', 'rollback needs <repository> <stage> <to> <reason…>; missing <stage>'],
    ['rollback myapp release', 'rollback needs <repository> <stage> <to> <reason…>; missing <to>'],
    [
      'rollback myapp release -- 1.2.4 breaks checkout',
      'rollback needs <repository> <stage> <to> <reason…>; missing <to>',
    ],
    [
      'rollback myapp release 1.2.3',
      'rollback needs <repository> <stage> <to> <reason…>; missing <reason…>: say why, for the audit trail',
    ],
    [
      'rollback myapp release 1.2.3 --  ',
      'rollback needs <repository> <stage> <to> <reason…>; missing <reason…>: say why, for the audit trail',
    ],
    [
      'rollback myapp release 1.2.3 ""',
      'rollback needs <repository> <stage> <to> <reason…>; missing <reason…>: say why, for the audit trail',
    ],
    ['unpin', 'unpin needs <repository> <stage> [<reason…>]; missing <repository>'],
    ['unpin myapp', 'unpin needs <repository> <stage> [<reason…>]; missing <stage>'],
    ['unpin myapp -- fixed', 'unpin needs <repository> <stage> [<reason…>]; missing <stage>'],
  ])('answers the operation %j with the usage, naming the missing piece', (text, problem) => {
    expect(parseChatCommand(text)).toEqual({ kind: 'usage', usage: chatUsage(), problem });
  });

  it('lists rollback and unpin in the usage', () => {
    const usage = chatUsage('@promoter');
    expect(usage).toContain('@promoter rollback <repository> <stage> <to> <reason…>');
    expect(usage).toContain('@promoter unpin <repository> <stage> [<reason…>]');
    expect(usage).toContain('<to> is the earlier promotion of the stage to go back to');
  });

  it('writes the usage as the user invokes promoter', () => {
    const usage = parseChatCommand('help', '@Promoter');
    expect(usage.kind === 'usage' ? usage.usage : '').toContain(
      '@Promoter approve <repository> <git-sha|digest|tag> <stage> [<version>] [-- comment]',
    );
  });

  it('puts what was wrong before the usage', () => {
    expect(usageText({ usage: 'Usage: …', problem: 'status needs <repository>' })).toBe(
      'Not understood: status needs <repository>.\nUsage: …',
    );
  });
});

describe('chatApproval', () => {
  const stages = ['dev', 'rc', 'release'];
  const origin = {
    id: '6f1c2d3e-0000-4000-8000-000000000000',
    approver: { id: 'alice', name: 'Alice', groups: ['release-managers'] },
    source: 'slack',
  };
  const decision: ChatDecision = {
    kind: 'approve',
    repository: 'myapp',
    build: { gitSha: 'a1b2c3d' },
    stage: 'rc',
    version: '1.2.3',
    comment: 'ok',
  };

  it('builds the approval message of the contract', () => {
    expect(chatApproval(decision, origin, stages)).toEqual({
      kind: 'ok',
      message: {
        type: 'approval',
        id: origin.id,
        repository: 'myapp',
        build: { gitSha: 'a1b2c3d' },
        stage: 'rc',
        version: '1.2.3',
        decision: 'approve',
        approver: origin.approver,
        source: 'slack',
        comment: 'ok',
      },
    });
  });

  it.each([
    [
      'a version with a leading v',
      { ...decision, version: 'v1.2.3' },
      /^version: must be a semantic version/,
    ],
    [
      'an uppercase repository',
      { ...decision, repository: 'MyApp' },
      /^repository: "MyApp" is not a repository name/,
    ],
    [
      'a bad digest',
      { ...decision, build: { digest: 'sha256:abc' } },
      /^build.digest: .*64 lowercase hex/,
    ],
    [
      'a stage the pipeline lacks',
      { ...decision, stage: 'prod' },
      /^stage: "prod" is not a stage of the pipeline; use dev, rc, release$/,
    ],
  ])('refuses %s, naming the field', (_, bad, problem) => {
    const result = chatApproval(bad, origin, stages);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' ? result.problem : '').toMatch(problem);
  });
});

describe('queuedText', () => {
  const message = (fields: Partial<ApprovalMessage>): ApprovalMessage => ({
    type: 'approval',
    id: 'x',
    repository: 'myapp',
    build: { gitSha: 'a1b2c3d' },
    stage: 'rc',
    version: '1.2.3',
    decision: 'approve',
    approver: { id: 'alice', name: 'alice', groups: [] },
    source: 'slack',
    ...fields,
  });

  it.each([
    [{}, 'Queued: approve rc 1.2.3 of myapp@a1b2c3d as alice. The outcome will be posted here.'],
    [
      {
        decision: 'reject' as const,
        stage: 'release',
        version: undefined,
        build: { digest },
        approver: { id: 'slack:U123', name: 'bob', groups: [] },
      },
      'Queued: reject release of myapp@sha256:4f53ab12cd34 as slack:U123 (bob). The outcome will be posted here.',
    ],
    [
      { stage: 'release', version: undefined, build: { tag: '1.2.3-rc1' } },
      'Queued: approve release of myapp:1.2.3-rc1 as alice. The outcome will be posted here.',
    ],
  ])('says what will happen (%#)', (fields, text) => {
    expect(queuedText(message(fields))).toBe(text);
  });
});

describe('chat actions (the value of an Approve / Reject button)', () => {
  const action = { repository: 'team/backend', digest, stage: 'release', version: '1.2.3' };

  it('round-trips through the button value as compact JSON', () => {
    const value = encodeChatAction(action);
    expect(value).toBe(
      `{"repository":"team/backend","digest":"${digest}","stage":"release","version":"1.2.3"}`,
    );
    expect(parseChatAction(value)).toEqual(action);
  });

  it('leaves the version out when the stage has none', () => {
    const withoutVersion = { repository: action.repository, digest, stage: action.stage };
    expect(parseChatAction(encodeChatAction(withoutVersion))).toEqual(withoutVersion);
  });

  it.each([
    ['not JSON', 'approve', /is not JSON/],
    ['a git SHA instead of a digest', JSON.stringify({ ...action, digest: 'a1b2c3d' }), /digest/],
    ['a missing stage', JSON.stringify({ ...action, stage: undefined }), /stage/],
    ['an unknown field', JSON.stringify({ ...action, approver: 'mallory' }), /approver/],
  ])('refuses a value with %s, naming the field', (_, value, problem) => {
    expect(() => parseChatAction(value)).toThrow(problem);
  });

  it('refuses to build a button for an invalid action', () => {
    expect(() => encodeChatAction({ ...action, repository: 'MyApp' })).toThrow(/repository/);
  });

  it.each([
    ['approve', true],
    ['reject', true],
    ['view-run', false],
  ])('knows %s is a decision button: %s', (id, expected) => {
    expect(isChatActionId(id)).toBe(expected);
  });
});
