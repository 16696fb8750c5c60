import { describe, expect, it } from 'vitest';
import { createSlackReplies } from '../../src/adapters/chat/slackReplies.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';

const URL_ = 'https://hooks.slack.com/actions/T1/1/SECRETtoken';
const digest = `sha256:4f53ab12cd34${'e'.repeat(52)}`;
const pending: OutcomeEvent = {
  type: 'promotion.outcome',
  id: 'o1',
  outcome: 'pending',
  repository: 'myapp',
  stage: 'release',
  version: '1.2.3',
  digest,
  messageId: 'm1',
  at: '2026-11-27T10:00:00.000Z',
  required: 2,
  eligible: { ids: [], groups: ['release-managers'] },
};

function capture(answer: () => Promise<Response>) {
  const posts: { url: string; body: Record<string, unknown> }[] = [];
  const replies = createSlackReplies({
    fetch: (url, init) => {
      posts.push({
        url: url instanceof Request ? url.url : url.toString(),
        body: JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as Record<
          string,
          unknown
        >,
      });
      return answer();
    },
  });
  return { posts, replies };
}

describe('Slack response_url replies', () => {
  it('posts the outcome ephemerally, beside the original message, without decision buttons', async () => {
    const { posts, replies } = capture(() => Promise.resolve(new Response('ok')));
    await replies.reply(URL_, pending);
    expect(posts).toHaveLength(1);
    const [post] = posts;
    expect(post?.url).toBe(URL_);
    expect(post?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(post?.body.text)).toContain('myapp');
    const blocks = post?.body.blocks as { type: string }[];
    expect(blocks.length).toBeGreaterThan(1);
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('posts nowhere but Slack', async () => {
    const { posts, replies } = capture(() => Promise.resolve(new Response('ok')));
    await expect(replies.reply('https://attacker.example/x', pending)).rejects.toThrow(
      /not a Slack response_url/,
    );
    expect(posts).toEqual([]);
  });

  it('reports an expired response_url by status, never quoting the URL', async () => {
    const { replies } = capture(() =>
      Promise.resolve(new Response('expired_url', { status: 404 })),
    );
    const error = await replies.reply(URL_, pending).catch((e: unknown) => e);
    expect(String(error)).toContain('HTTP 404: expired_url');
    expect(String(error)).not.toContain('SECRET');
  });

  it('reports a network failure without the URL', async () => {
    const { replies } = capture(() => Promise.reject(new TypeError(`fetch failed for ${URL_}`)));
    const error = await replies.reply(URL_, pending).catch((e: unknown) => e);
    expect(String(error)).toBe('Error: Slack response_url: network error');
  });
});
