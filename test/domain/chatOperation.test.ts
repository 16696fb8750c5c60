import { describe, expect, it } from 'vitest';
import type { ChatRollback, ChatUnpin } from '../../src/domain/chatCommand.js';
import {
  chatOperationMessage,
  operationQueuedText,
  type OperationMessage,
} from '../../src/domain/chatOperation.js';

const digest = `sha256:${'4f53ab12cd34'.padEnd(64, '0')}`;
const stages = ['dev', 'rc', 'release'];
const origin = {
  id: '6f1c2d3e-0000-4000-8000-000000000000',
  approver: { id: 'alice', name: 'Alice', groups: ['release-managers'] },
  source: 'slack',
};
const rollback: ChatRollback = {
  kind: 'rollback',
  repository: 'myapp',
  stage: 'release',
  to: { tag: '1.2.3' },
  reason: '1.2.4 breaks checkout',
};
const unpin: ChatUnpin = { kind: 'unpin', repository: 'myapp', stage: 'release' };

describe('chatOperationMessage', () => {
  it('builds the rollback message the CLI sends, as the chat user', () => {
    expect(chatOperationMessage(rollback, origin, stages)).toEqual({
      kind: 'ok',
      message: {
        type: 'rollback',
        id: origin.id,
        repository: 'myapp',
        stage: 'release',
        to: { tag: '1.2.3' },
        reason: '1.2.4 breaks checkout',
        approver: origin.approver,
        source: 'slack',
      },
    });
  });

  it('builds an unpin message, with the reason only when one was given', () => {
    expect(chatOperationMessage(unpin, origin, stages)).toEqual({
      kind: 'ok',
      message: {
        type: 'unpin',
        id: origin.id,
        repository: 'myapp',
        stage: 'release',
        approver: origin.approver,
        source: 'slack',
      },
    });
    const withReason = chatOperationMessage({ ...unpin, reason: 'fixed' }, origin, stages);
    expect(withReason.kind === 'ok' && withReason.message).toMatchObject({ reason: 'fixed' });
  });

  it.each([
    [
      'a bad digest to go back to',
      { ...rollback, to: { digest: 'sha256:abc' } },
      /^to.digest: .*64 lowercase hex/,
    ],
    [
      'an uppercase repository',
      { ...rollback, repository: 'MyApp' },
      /^repository: "MyApp" is not a repository name/,
    ],
    ['a reason over 2000 characters', { ...rollback, reason: 'x'.repeat(2001) }, /^reason: /],
    [
      'a stage the pipeline lacks',
      { ...rollback, stage: 'prod' },
      /^stage: "prod" is not a stage of the pipeline; use dev, rc, release$/,
    ],
    [
      'an unpin of a stage the pipeline lacks',
      { ...unpin, stage: 'prod' },
      /^stage: "prod" is not a stage of the pipeline/,
    ],
  ])('refuses %s, naming the field', (_, bad, problem) => {
    const result = chatOperationMessage(bad, origin, stages);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' ? result.problem : '').toMatch(problem);
  });
});

describe('operationQueuedText', () => {
  const fields = {
    id: 'x',
    repository: 'myapp',
    stage: 'release',
    approver: { id: 'alice', name: 'alice', groups: [] },
    source: 'slack',
  };

  it.each<[OperationMessage, string]>([
    [
      { type: 'rollback', ...fields, to: { tag: '1.2.3' }, reason: '1.2.4 breaks checkout' },
      'Queued: roll back release of myapp to myapp:1.2.3 as alice; reason: 1.2.4 breaks checkout. The outcome will be posted here.',
    ],
    [
      {
        type: 'rollback',
        ...fields,
        stage: 'dev',
        to: { digest },
        reason: 'crash loop',
        approver: { id: 'slack:U999', name: 'bob', groups: [] },
      },
      'Queued: roll back dev of myapp to myapp@sha256:4f53ab12cd34 as slack:U999 (bob); reason: crash loop. The outcome will be posted here.',
    ],
    [
      { type: 'unpin', ...fields, reason: 'fixed in 1.2.5' },
      'Queued: unpin release of myapp as alice; reason: fixed in 1.2.5. The outcome will be posted here.',
    ],
    [
      { type: 'unpin', ...fields },
      'Queued: unpin release of myapp as alice. The outcome will be posted here.',
    ],
  ])('says what will happen (%#)', (message, text) => {
    expect(operationQueuedText(message)).toBe(text);
  });
});
