import { describe, expect, it } from 'vitest';
import { outcomeFacts } from '../../src/adapters/chat/outcomeFacts.js';
import { statusText } from '../../src/app/views/repositoryStatus.js';
import { BUILD_LIST_LIMIT, boundList, joinBounded, recordInList } from '../../src/domain/build.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';
import { outcomeEventSchema } from '../../src/domain/outcomeEventSchema.js';

const numbered = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `s${String(from + i)}`);

describe('a build’s bounded lists', () => {
  it('keep every entry up to the limit, then the first and the newest', () => {
    expect(BUILD_LIST_LIMIT).toBe(20);
    expect(recordInList(numbered(19), 's19')).toEqual(numbered(20));
    expect(recordInList(numbered(20), 's20')).toEqual(['s0', ...numbered(19, 2)]);
    let list: string[] = [];
    for (let i = 0; i < 500; i++) list = recordInList(list, `s${String(i)}`);
    expect(list).toEqual(['s0', ...numbered(19, 481)]);
    expect(boundList(numbered(650))).toEqual(['s0', ...numbered(19, 631)]);
    expect(boundList(numbered(3))).toEqual(numbered(3));
  });

  it('are joined with "and N more" when they leave some out', () => {
    expect(joinBounded(['a', 'b'], 2)).toBe('a, b');
    expect(joinBounded(['a', 'b'], 9)).toBe('a, b and 7 more');
  });
});

describe('what a user reads of a build with 2,000 git SHAs', () => {
  const shas = ['s0', ...numbered(19, 1981)];

  it('chat: the outcome’s facts list its SHAs and say how many more', () => {
    const event: OutcomeEvent = {
      type: 'promotion.outcome',
      id: 'outcome-m1',
      outcome: 'promoted',
      repository: 'app',
      stage: 'dev',
      digest: `sha256:${'a'.repeat(64)}`,
      gitShas: shas,
      moreGitShas: 1980,
      messageId: 'm1',
      at: '2026-01-01T00:00:00.000Z',
    };
    expect(outcomeEventSchema.parse(event)).toEqual(event);
    expect(outcomeFacts(event)).toContainEqual({
      title: 'Git SHAs',
      value: `${shas.join(', ')} and 1980 more`,
    });
    const one = { ...event, gitShas: ['s0'], moreGitShas: undefined };
    expect(outcomeFacts(one)).toContainEqual({ title: 'Git SHA', value: 's0' });
  });

  it('status: the stage line lists them and says how many more', () => {
    const text = statusText({
      repository: 'app',
      stages: [
        {
          stage: 'dev',
          digest: `sha256:${'a'.repeat(64)}`,
          tags: ['dev-latest'],
          promotedAt: '2026-01-01T00:00:00.000Z',
          gitShas: shas,
          moreGitShas: 1980,
        },
      ],
      pending: [],
    });
    expect(text).toContain(`(git ${shas.join(', ')} and 1980 more)`);
  });
});
