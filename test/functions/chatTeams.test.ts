import { createHmac, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Services } from '../../src/composition/createServices.js';
import { DEFAULT_PIPELINE_JSON, parsePipeline } from '../../src/domain/pipeline.js';
import { chatTeams } from '../../src/functions/chatTeams.js';
import { invoke, memoryServices } from '../support/handlers.js';

// The security token as Teams shows it: base64 of the HMAC key.
const TOKEN = Buffer.from('teams outgoing webhook key for tests').toString('base64');
const AAD_ID = '6f1c2d3e-1234-4abc-8def-0123456789ab';

/** Teams' signature, computed here independently of the code under test. */
const teamsSignature = (token: string, body: string) =>
  `HMAC ${createHmac('sha256', Buffer.from(token, 'base64')).update(body).digest('base64')}`;

function setup(env: Record<string, string> = { TEAMS_OUTGOING_WEBHOOK_TOKEN: TOKEN }) {
  const m = memoryServices(env);
  // The real time: the replay guard remembers claims by the wall clock.
  const now = new Date();
  const services: Services = {
    ...m.services,
    clock: { now: () => now },
    pipeline: parsePipeline({
      ...DEFAULT_PIPELINE_JSON,
      identities: { [`teams:${AAD_ID}`]: { id: 'alice', groups: ['release-managers'] } },
    }),
  };
  const handler = chatTeams(() => Promise.resolve(services));
  const post = (body: string, options: { token?: string; authorization?: string } = {}) =>
    invoke(handler, {
      url: 'http://localhost:7071/api/chat/teams',
      body,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: options.authorization ?? teamsSignature(options.token ?? TOKEN, body),
      },
    });
  return { ...m, now, post };
}

/** An outgoing-webhook activity: a channel message that mentions the webhook. */
function mention(
  text: string,
  fields: { id?: string; timestamp?: string; from?: Record<string, string> } = {},
) {
  return JSON.stringify({
    type: 'message',
    id: fields.id ?? randomUUID(),
    timestamp: fields.timestamp ?? new Date().toISOString(),
    serviceUrl: 'https://smba.trafficmanager.net/amer/',
    channelId: 'msteams',
    from: fields.from ?? { id: '29:1abcdef', name: 'Alice Smith', aadObjectId: AAD_ID },
    conversation: { isGroup: true, id: '19:abc@thread.skype;messageid=1' },
    recipient: null,
    textFormat: 'plain',
    text,
    attachments: [{ contentType: 'text/html', content: `<div>${text}</div>` }],
    entities: [],
    channelData: { teamsChannelId: '19:abc@thread.skype' },
  });
}

const textOf = (answer: { body: unknown }) => (answer.body as { text: string }).text;

describe('POST /api/chat/teams', () => {
  it('queues the command after the mention and replies synchronously', async () => {
    const t = setup();
    const answer = await t.post(mention('<at>Promoter</at> approve myapp a1b2c3d rc 1.2.3\n'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      type: 'message',
      text: 'Queued: approve rc 1.2.3 of myapp@a1b2c3d as alice (Alice Smith). The outcome will be posted here.',
    });
    expect(t.sent).toMatchObject([
      {
        repository: 'myapp',
        build: { gitSha: 'a1b2c3d' },
        stage: 'rc',
        version: '1.2.3',
        decision: 'approve',
        approver: { id: 'alice', name: 'Alice Smith', groups: ['release-managers'] },
        source: 'teams',
      },
    ]);
  });

  it('acts as teams:<id> for a user without an AAD object id or mapping', async () => {
    const t = setup();
    await t.post(
      mention('<at>Promoter</at>&nbsp;reject myapp a1b2c3d rc -- not &amp; never', {
        from: { id: '29:1xyz', name: 'Bob' },
      }),
    );
    expect(t.sent).toMatchObject([
      {
        decision: 'reject',
        approver: { id: 'teams:29:1xyz', name: 'Bob', groups: [] },
        comment: 'not & never',
      },
    ]);
  });

  it('answers a command it cannot read with the usage, as the webhook is mentioned', async () => {
    const t = setup();
    const answer = await t.post(mention('<at>Promoter</at> promote myapp'));
    expect(answer.status).toBe(200);
    // Teams reads < > & as markup: the reply escapes them, Teams shows them as typed.
    expect(textOf(answer)).toMatch(/^Not understood: unknown command "promote"/);
    expect(textOf(answer)).toContain('@Promoter status &lt;repository&gt;');
    expect(t.sent).toEqual([]);
  });

  it('queues a rollback after the mention as the mapped approver, and says so', async () => {
    const t = setup();
    const answer = await t.post(
      mention('<at>Promoter</at> rollback myapp release 1.2.3 1.2.4 breaks &lt;checkout&gt;\n'),
    );
    expect(answer.body).toEqual({
      type: 'message',
      text: 'Queued: roll back release of myapp to myapp:1.2.3 as alice (Alice Smith); reason: 1.2.4 breaks &lt;checkout&gt;. The outcome will be posted here.',
    });
    expect(t.sent).toEqual([
      {
        type: 'rollback',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        repository: 'myapp',
        stage: 'release',
        to: { tag: '1.2.3' },
        reason: '1.2.4 breaks <checkout>',
        approver: { id: 'alice', name: 'Alice Smith', groups: ['release-managers'] },
        source: 'teams',
      },
    ]);
  });

  it('queues an unpin as teams:<id> for an unmapped user', async () => {
    const t = setup();
    const answer = await t.post(
      mention('<at>Promoter</at>&nbsp;unpin myapp release -- fixed in 1.2.5', {
        from: { id: '29:1xyz', name: 'Bob' },
      }),
    );
    expect(textOf(answer)).toBe(
      'Queued: unpin release of myapp as teams:29:1xyz (Bob); reason: fixed in 1.2.5. The outcome will be posted here.',
    );
    expect(t.sent).toEqual([
      {
        type: 'unpin',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        repository: 'myapp',
        stage: 'release',
        reason: 'fixed in 1.2.5',
        approver: { id: 'teams:29:1xyz', name: 'Bob', groups: [] },
        source: 'teams',
      },
    ]);
  });

  it.each([
    [
      'rollback myapp release git:a1b2c3d',
      /^Not understood: rollback needs .*; missing &lt;reason…&gt;/,
    ],
    ['rollback myapp', /^Not understood: rollback needs .*; missing &lt;stage&gt;/],
    ['unpin', /^Not understood: unpin needs .*; missing &lt;repository&gt;/],
  ])(
    'answers %j with the usage naming the missing piece, queueing nothing',
    async (command, problem) => {
      const t = setup();
      const answer = await t.post(mention(`<at>Promoter</at> ${command}`));
      expect(textOf(answer)).toMatch(problem);
      expect(textOf(answer)).toContain(
        '@Promoter rollback &lt;repository&gt; &lt;stage&gt; &lt;to&gt; &lt;reason…&gt;',
      );
      expect(t.sent).toEqual([]);
    },
  );

  it('shows the status of a repository', async () => {
    const t = setup();
    const answer = await t.post(mention('<at>Promoter</at> status myapp'));
    expect(textOf(answer)).toBe(
      'Status of myapp:\n\n• dev: nothing yet\n\n• rc: nothing yet\n\n• release: nothing yet',
    );
  });

  it.each([
    [
      'forged (another token)',
      { token: Buffer.from('some other key entirely').toString('base64') },
    ],
    ['unsigned', { authorization: '' }],
    ['signed with a Bearer token', { authorization: `Bearer ${TOKEN}` }],
  ])('refuses a %s request with 401, queueing nothing', async (_, options) => {
    const t = setup();
    const answer = await t.post(
      mention('<at>Promoter</at> approve myapp a1b2c3d rc 1.2.3'),
      options,
    );
    expect(answer.status).toBe(401);
    expect(t.sent).toEqual([]);
  });

  it('refuses a replayed activity with a message the channel shows, queueing once', async () => {
    const t = setup();
    const body = mention('<at>Promoter</at> approve myapp a1b2c3d rc 1.2.3');
    expect((await t.post(body)).status).toBe(200);
    const replay = await t.post(body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({
      type: 'message',
      text: 'Replayed request refused: this message was handled before.',
    });
    expect(t.sent).toHaveLength(1);
  });

  it('refuses a signed activity dated more than 5 minutes ago, queueing nothing', async () => {
    const t = setup();
    const old = new Date(t.now.getTime() - 6 * 60_000).toISOString();
    const answer = await t.post(
      mention('<at>Promoter</at> approve myapp a1b2c3d rc 1.2.3', { timestamp: old }),
    );
    expect(textOf(answer)).toMatch(/^Refused: this request is more than 5 minutes old/);
    expect(t.sent).toEqual([]);
  });

  it('refuses everything with 401 while TEAMS_OUTGOING_WEBHOOK_TOKEN is unset', async () => {
    const t = setup({});
    const answer = await t.post(mention('<at>Promoter</at> approve myapp a1b2c3d rc 1.2.3'));
    expect(answer.status).toBe(401);
    expect(t.sent).toEqual([]);
  });
});
