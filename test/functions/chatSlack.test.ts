import { createHmac } from 'node:crypto';
import functions from '@azure/functions';
import { describe, expect, it } from 'vitest';
import type { Services } from '../../src/composition/createServices.js';
import { encodeChatAction } from '../../src/domain/chatAction.js';
import { DEFAULT_PIPELINE_JSON, parsePipeline } from '../../src/domain/pipeline.js';
import { chatSlack } from '../../src/functions/chatSlack.js';
import { promotions } from '../../src/functions/promotions.js';
import { invoke, memoryServices } from '../support/handlers.js';

const { InvocationContext } = functions;
const SIGNING_SECRET = 'slack-signing-secret-0123456789abcdef';
const digest = `sha256:${'4f53ab12cd34'.padEnd(64, '0')}`;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Slack's signature, computed here independently of the code under test. */
const slackSignature = (secret: string, timestamp: string, body: string) =>
  `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;

function setup(
  env: Record<string, string> = { SLACK_SIGNING_SECRET: SIGNING_SECRET },
  stages: unknown = DEFAULT_PIPELINE_JSON.stages,
) {
  const m = memoryServices(env);
  // The real time (whole seconds): the replay guard remembers claims by the wall clock.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const services: Services = {
    ...m.services,
    clock: { now: () => now },
    pipeline: parsePipeline({
      ...DEFAULT_PIPELINE_JSON,
      stages,
      identities: { 'slack:U123': { id: 'alice', groups: ['release-managers'] } },
    }),
  };
  const handler = chatSlack(() => Promise.resolve(services));
  const post = (
    body: string,
    options: { secret?: string; skewSeconds?: number; headers?: Record<string, string> } = {},
  ) => {
    const timestamp = String(now.getTime() / 1000 - (options.skewSeconds ?? 0));
    const signature = slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body);
    return invoke(handler, {
      url: 'http://localhost:7071/api/chat/slack',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': signature,
        ...options.headers,
      },
    });
  };
  return { ...m, services, now, post };
}

/** A slash command's form body, as Slack sends it. */
const slash = (text: string, user = { user_id: 'U123', user_name: 'alice' }) =>
  new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T1DC2JH3J',
    channel_id: 'C1',
    ...user,
    command: '/promote',
    text,
    response_url: 'https://hooks.slack.com/commands/T1DC2JH3J/1/abc',
    trigger_id: `${Math.random()}`,
  }).toString();

/** An interactive payload: a click on a button of a notification. */
const click = (actionId: string, value: string, userId = 'U123') =>
  new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      user: { id: userId, username: 'alice', name: 'alice' },
      response_url: 'https://hooks.slack.com/actions/T1/1/abc',
      trigger_id: `${Math.random()}`,
      actions: [{ type: 'button', action_id: actionId, block_id: 'b', value }],
    }),
  }).toString();

describe('POST /api/chat/slack: slash commands', () => {
  it('queues a signed approve as the mapped approver and says what will happen', async () => {
    const t = setup();
    const answer = await t.post(slash('approve myapp a1b2c3d rc 1.2.3'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      response_type: 'ephemeral',
      text: 'Queued: approve rc 1.2.3 of myapp@a1b2c3d as alice. The outcome will be posted here.',
    });
    expect(t.sent).toEqual([
      {
        type: 'approval',
        id: expect.stringMatching(uuid) as unknown,
        repository: 'myapp',
        build: { gitSha: 'a1b2c3d' },
        stage: 'rc',
        version: '1.2.3',
        decision: 'approve',
        approver: { id: 'alice', name: 'alice', groups: ['release-managers'] },
        source: 'slack',
        replyTo: 'https://hooks.slack.com/commands/T1DC2JH3J/1/abc',
      },
    ]);
  });

  it('queues a rejection with its comment as an unmapped user, who acts as slack:<id>', async () => {
    const t = setup();
    const answer = await t.post(
      slash('reject myapp 1.2.3-rc1 release -- fails smoke tests', {
        user_id: 'U999',
        user_name: 'bob',
      }),
    );
    expect((answer.body as { text: string }).text).toBe(
      'Queued: reject release of myapp:1.2.3-rc1 as slack:U999 (bob). The outcome will be posted here.',
    );
    expect(t.sent).toMatchObject([
      {
        decision: 'reject',
        build: { tag: '1.2.3-rc1' },
        approver: { id: 'slack:U999', name: 'bob', groups: [] },
        comment: 'fails smoke tests',
      },
    ]);
  });

  it('answers a command it cannot read with the usage, queueing nothing', async () => {
    const t = setup();
    const answer = await t.post(slash('approve myapp'));
    expect(answer.status).toBe(200);
    const { response_type, text } = answer.body as { response_type: string; text: string };
    expect(response_type).toBe('ephemeral');
    // Slack reads < > & as markup: the reply escapes them, Slack shows them as typed.
    expect(text).toMatch(/^Not understood: approve needs &lt;repository&gt; .*missing/);
    expect(text).toContain('/promote status &lt;repository&gt;');
    expect(t.sent).toEqual([]);
  });

  it('names the bad field of an invalid approval, queueing nothing', async () => {
    const t = setup();
    const answer = await t.post(slash('approve myapp a1b2c3d rc v1.2.3'));
    expect((answer.body as { text: string }).text).toMatch(
      /^Not queued: version: must be a semantic version/,
    );
    expect(t.sent).toEqual([]);
  });

  it('shows what each stage holds and what waits for approvals', async () => {
    const t = setup();
    await t.ledger.recordBuild({
      eventId: 'e1',
      repository: 'myapp',
      digest,
      gitSha: 'a1b2c3d',
      tag: 'git-a1b2c3d',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: 'localhost:5000',
      at: new Date('2026-11-27T08:00:00Z'),
    });
    const head = (stage: string, tags: string[], version?: string) => ({
      stage,
      digest,
      tags,
      promotedAt: '2026-11-27T09:00:00.000Z',
      ...(version ? { version } : {}),
    });
    await t.promotions.commit('myapp', {
      expectedEtag: undefined,
      heads: {
        dev: {
          ...head('dev', ['dev-latest']),
          pinned: {
            by: 'alice',
            at: '2026-11-27T09:10:00.000Z',
            reason: 'crash loop',
            messageId: 'r1',
          },
        },
        rc: head('rc', ['1.2.3-rc1'], '1.2.3'),
      },
      promotions: [
        {
          repository: 'myapp',
          stage: 'release',
          digest,
          version: '1.2.3',
          status: 'pending',
          tags: [],
          approvals: [],
          createdAt: '2026-11-27T09:30:00.000Z',
          updatedAt: '2026-11-27T09:30:00.000Z',
        },
      ],
      outcome: {
        type: 'promotion.outcome',
        id: 'o1',
        outcome: 'pending',
        repository: 'myapp',
        stage: 'release',
        version: '1.2.3',
        digest,
        messageId: 'm1',
        at: '2026-11-27T09:30:00.000Z',
      },
    });
    const answer = await t.post(slash('status myapp'));
    expect(answer.body).toEqual({
      response_type: 'ephemeral',
      text: [
        'Status of myapp:',
        '• dev: sha256:4f53ab12cd34 (git a1b2c3d) as dev-latest, since 2026-11-27 09:00 UTC; pinned by alice (rollback: crash loop) until unpinned',
        '• rc 1.2.3: sha256:4f53ab12cd34 (git a1b2c3d) as 1.2.3-rc1, since 2026-11-27 09:00 UTC',
        '• release: nothing yet',
        'Waiting for approvals:',
        '• release 1.2.3 of sha256:4f53ab12cd34, needs 1, approved so far by nobody',
      ].join('\n'),
    });
    expect(t.sent).toEqual([]);
  });
});

describe('POST /api/chat/slack: rollback and unpin', () => {
  it('queues a rollback as the mapped approver and says what will happen', async () => {
    const t = setup();
    const answer = await t.post(slash('rollback myapp release 1.2.3 1.2.4 breaks checkout'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      response_type: 'ephemeral',
      text: 'Queued: roll back release of myapp to myapp:1.2.3 as alice; reason: 1.2.4 breaks checkout. The outcome will be posted here.',
    });
    expect(t.sent).toEqual([
      {
        type: 'rollback',
        id: expect.stringMatching(uuid) as unknown,
        repository: 'myapp',
        stage: 'release',
        to: { tag: '1.2.3' },
        reason: '1.2.4 breaks checkout',
        approver: { id: 'alice', name: 'alice', groups: ['release-managers'] },
        source: 'slack',
        replyTo: 'https://hooks.slack.com/commands/T1DC2JH3J/1/abc',
      },
    ]);
  });

  it('reads <to> as the CLI reads --to: a digest or a git SHA', async () => {
    const t = setup();
    await t.post(slash(`rollback myapp dev ${digest} crash loop`));
    await t.post(slash('rollback myapp dev a1b2c3d -- login is broken'));
    expect(t.sent).toMatchObject([
      { type: 'rollback', stage: 'dev', to: { digest }, reason: 'crash loop' },
      { type: 'rollback', stage: 'dev', to: { gitSha: 'a1b2c3d' }, reason: 'login is broken' },
    ]);
  });

  it('queues an unpin, with or without a reason, as an unmapped user acting as slack:<id>', async () => {
    const t = setup();
    const answer = await t.post(
      slash('unpin myapp release fixed in 1.2.5', { user_id: 'U999', user_name: 'bob' }),
    );
    expect((answer.body as { text: string }).text).toBe(
      'Queued: unpin release of myapp as slack:U999 (bob); reason: fixed in 1.2.5. The outcome will be posted here.',
    );
    await t.post(slash('unpin myapp release'));
    expect(t.sent).toEqual([
      {
        type: 'unpin',
        id: expect.stringMatching(uuid) as unknown,
        repository: 'myapp',
        stage: 'release',
        reason: 'fixed in 1.2.5',
        approver: { id: 'slack:U999', name: 'bob', groups: [] },
        source: 'slack',
        replyTo: 'https://hooks.slack.com/commands/T1DC2JH3J/1/abc',
      },
      {
        type: 'unpin',
        id: expect.stringMatching(uuid) as unknown,
        repository: 'myapp',
        stage: 'release',
        approver: { id: 'alice', name: 'alice', groups: ['release-managers'] },
        source: 'slack',
        replyTo: 'https://hooks.slack.com/commands/T1DC2JH3J/1/abc',
      },
    ]);
  });

  it.each([
    ['rollback myapp release 1.2.3', /^Not understood: rollback needs .*; missing &lt;reason…&gt;/],
    ['rollback myapp release', /^Not understood: rollback needs .*; missing &lt;to&gt;/],
    ['unpin myapp', /^Not understood: unpin needs .*; missing &lt;stage&gt;/],
  ])(
    'answers %j with the usage naming the missing piece, queueing nothing',
    async (text, problem) => {
      const t = setup();
      const answer = await t.post(slash(text));
      const reply = (answer.body as { text: string }).text;
      expect(reply).toMatch(problem);
      expect(reply).toContain(
        '/promote rollback &lt;repository&gt; &lt;stage&gt; &lt;to&gt; &lt;reason…&gt;',
      );
      expect(reply).toContain('/promote unpin &lt;repository&gt; &lt;stage&gt; [&lt;reason…&gt;]');
      expect(t.sent).toEqual([]);
    },
  );

  it('leaves authorization to the queue handler: a non-approver’s rollback is refused there', async () => {
    const stages = DEFAULT_PIPELINE_JSON.stages.map((stage) =>
      stage.name === 'release'
        ? { ...stage, approval: { required: 1, approvers: { groups: ['release-managers'] } } }
        : stage,
    );
    const t = setup({ SLACK_SIGNING_SECRET: SIGNING_SECRET }, stages);
    await t.post(
      slash('rollback myapp release 1.2.3 broken', { user_id: 'U999', user_name: 'bob' }),
    );
    const [message] = t.sent;
    expect(message).toMatchObject({ type: 'rollback', approver: { id: 'slack:U999' } });
    const context = new InvocationContext({
      functionName: 'promotions',
      triggerMetadata: { deliveryCount: 1, messageId: message?.id, sessionId: 'myapp' },
      logHandler: () => undefined,
    });
    await promotions(() => Promise.resolve(t.services))(message, context);
    expect(t.published).toMatchObject([
      {
        outcome: 'rejected',
        stage: 'release',
        actor: 'slack:U999',
        reason: expect.stringMatching(
          /^slack:U999 may not roll back stage release: only its approvers may/,
        ) as unknown,
      },
    ]);
  });

  it('names the bad field of an invalid rollback, queueing nothing', async () => {
    const t = setup();
    const answer = await t.post(slash('rollback myapp prod 1.2.3 broken'));
    expect((answer.body as { text: string }).text).toBe(
      'Not queued: stage: "prod" is not a stage of the pipeline; use dev, rc, release',
    );
    expect(t.sent).toEqual([]);
  });
});

describe('POST /api/chat/slack: Approve / Reject buttons', () => {
  const value = encodeChatAction({
    repository: 'myapp',
    digest,
    stage: 'release',
    version: '1.2.3',
  });

  it('queues an approval of the digest the button names, as the user who clicked', async () => {
    const t = setup();
    const answer = await t.post(click('approve', value));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'Queued: approve release 1.2.3 of myapp@sha256:4f53ab12cd34 as alice. The outcome will be posted here.',
    });
    expect(t.sent).toMatchObject([
      {
        repository: 'myapp',
        build: { digest },
        stage: 'release',
        version: '1.2.3',
        decision: 'approve',
        approver: { id: 'alice', name: 'alice', groups: ['release-managers'] },
        source: 'slack',
      },
    ]);
  });

  it('answers a click at once and carries its response_url in the message, posting nothing itself', async () => {
    const t = setup();
    const answer = await t.post(click('approve', value));
    expect(answer.status).toBe(200);
    expect(t.sent).toMatchObject([{ replyTo: 'https://hooks.slack.com/actions/T1/1/abc' }]);
    expect(t.replied).toEqual([]);
  });

  /** A recorded build of myapp, and the message a click on its rc Approve button queues. */
  async function clickedApproval(t: ReturnType<typeof setup>, sha: string) {
    const built = t.registry.add('myapp', `build myapp ${sha}`);
    await t.ledger.recordBuild({
      eventId: `e-${sha}`,
      repository: 'myapp',
      digest: built,
      gitSha: sha,
      tag: `git-${sha}`,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      registry: 'localhost:5000',
      at: new Date('2026-11-27T08:00:00Z'),
    });
    const rc = encodeChatAction({
      repository: 'myapp',
      digest: built,
      stage: 'rc',
      version: '1.2.3',
    });
    await t.post(click('approve', rc));
    const [message] = t.sent;
    const logs: string[] = [];
    const context = new InvocationContext({
      functionName: 'promotions',
      triggerMetadata: { deliveryCount: 1, messageId: message?.id, sessionId: 'myapp' },
      logHandler: (level, ...args) => logs.push(`${level} ${JSON.stringify(args)}`),
    });
    return { message, context, logs };
  }

  it('posts the outcome to the click’s response_url from the queue handler, only to the user who clicked', async () => {
    const t = setup();
    const { message, context } = await clickedApproval(t, 'a1b2c3d');
    await promotions(() => Promise.resolve(t.services))(message, context);
    expect(t.published).toHaveLength(1);
    expect(t.replied).toEqual([
      { url: 'https://hooks.slack.com/actions/T1/1/abc', event: t.published[0] },
    ]);
  });

  it('completes the message when the reply to the user fails: the channel has the outcome', async () => {
    const t = setup();
    const { message, context, logs } = await clickedApproval(t, 'b2c3d4e');
    const services: Services = {
      ...t.services,
      replies: {
        reply: () => Promise.reject(new Error('Slack response_url: HTTP 404: expired_url')),
      },
    };
    await expect(
      promotions(() => Promise.resolve(services))(message, context),
    ).resolves.toBeUndefined();
    expect(t.published).toHaveLength(1);
    const warning = logs.find((l) => l.startsWith('warning'));
    expect(warning).toContain('expired_url');
    expect(logs.join('\n')).not.toContain('hooks.slack.com');
  });

  it('never carries a response_url that is not Slack’s', async () => {
    const t = setup();
    const payload = JSON.stringify({
      type: 'block_actions',
      user: { id: 'U123', username: 'alice' },
      response_url: 'https://attacker.example/collect',
      actions: [{ type: 'button', action_id: 'approve', block_id: 'b', value }],
    });
    await t.post(new URLSearchParams({ payload }).toString());
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]).not.toHaveProperty('replyTo');
  });

  it('queues a rejection from the Reject button', async () => {
    const t = setup();
    await t.post(click('reject', value, 'U777'));
    expect(t.sent).toMatchObject([{ decision: 'reject', approver: { id: 'slack:U777' } }]);
  });

  it('only acknowledges a click on another button (a link), queueing nothing', async () => {
    const t = setup();
    const answer = await t.post(click('view-run', 'https://ci.example/run/1'));
    expect(answer.status).toBe(200);
    expect(answer.body).toBeUndefined();
    expect(t.sent).toEqual([]);
  });

  it('says a button with a broken value is broken, queueing nothing', async () => {
    const t = setup();
    const answer = await t.post(click('approve', '{"repository":"myapp"}'));
    expect((answer.body as { text: string }).text).toMatch(/^Not queued: this button is broken/);
    expect(t.sent).toEqual([]);
  });
});

describe('POST /api/chat/slack: refused requests', () => {
  it.each([
    ['forged (another secret)', { secret: 'not-the-signing-secret-0123456789' }],
    ['stale (6 minutes old)', { skewSeconds: 360 }],
    ['from the future (6 minutes ahead)', { skewSeconds: -360 }],
    ['unsigned', { headers: { 'x-slack-signature': '' } }],
  ])('refuses a %s request with 401, queueing nothing', async (_, options) => {
    const t = setup();
    const answer = await t.post(slash('approve myapp a1b2c3d rc 1.2.3'), options);
    expect(answer.status).toBe(401);
    expect(t.sent).toEqual([]);
  });

  it('refuses a replayed request with 401: one approval is queued', async () => {
    const t = setup();
    const body = slash('approve myapp a1b2c3d rc 1.2.3');
    expect((await t.post(body)).status).toBe(200);
    const replay = await t.post(body);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ detail: 'replayed request refused' });
    expect(t.sent).toHaveLength(1);
  });

  it('refuses everything with 401 while SLACK_SIGNING_SECRET is unset', async () => {
    const t = setup({});
    const answer = await t.post(slash('approve myapp a1b2c3d rc 1.2.3'));
    expect(answer.status).toBe(401);
    expect(t.sent).toEqual([]);
  });
});
