import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createChatNotifier } from '../../src/adapters/chat/chatNotifier.js';
import type { SlackMessage } from '../../src/adapters/chat/slackMessage.js';
import type { TeamsMessage } from '../../src/adapters/chat/teamsMessage.js';
import { parseChatAction } from '../../src/domain/chatAction.js';
import { parseChatCommand } from '../../src/domain/chatCommand.js';
import { TransientError } from '../../src/domain/errors.js';
import type { OutcomeEvent } from '../../src/domain/outcomeEvent.js';

/** What a stand-in webhook received. */
interface Captured {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** How a stand-in answers the next request; `hang` never answers. */
interface Scripted {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly hang?: boolean;
}

const SLACK_PATH = '/services/T0000/B0000/slackSECRETtoken';
const TEAMS_PATH = '/workflows/wf1/triggers/manual/paths/invoke?api-version=1&sig=teamsSECRETsig';
const servers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

/** A local HTTP server standing in for an incoming webhook: captures posts, answers as told. */
async function standIn(path: string) {
  const requests: Captured[] = [];
  const answers: Scripted[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', headers: req.headers, body: JSON.parse(text) });
      const answer = answers.shift() ?? { status: 200, body: 'ok' };
      if (answer.hang) return;
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  return { url: `http://127.0.0.1:${port}${path}`, host: `127.0.0.1:${port}`, requests, answers };
}

async function both() {
  const slack = await standIn(SLACK_PATH);
  const teams = await standIn(TEAMS_PATH);
  const notifier = createChatNotifier({ slackWebhookUrl: slack.url, teamsWebhookUrl: teams.url });
  return { slack, teams, notifier };
}

const digest = `sha256:4f53ab12cd34${'e'.repeat(52)}`;
const base = {
  type: 'promotion.outcome',
  repository: 'team/myapp',
  stage: 'rc',
  version: '1.2.3',
  digest,
  gitShas: ['a1b2c3d'],
  messageId: 'm1',
  at: '2026-11-27T10:00:00.000Z',
} as const;
const alice = {
  approverId: 'alice',
  approverName: 'Alice',
  decision: 'approve',
  at: '2026-11-27T09:58:00.000Z',
  messageId: 'm0',
  source: 'cli',
} as const;

const events: Record<OutcomeEvent['outcome'], OutcomeEvent> = {
  promoted: { ...base, id: 'o1', outcome: 'promoted', tags: ['1.2.3-rc1'], approvals: [alice] },
  pending: {
    ...base,
    id: 'o2',
    outcome: 'pending',
    stage: 'release',
    tags: ['1.2.3'],
    approvals: [alice],
    required: 2,
    eligible: { ids: ['alice', 'slack:U024BE7LH'], groups: ['release-managers'] },
  },
  rejected: {
    ...base,
    id: 'o3',
    outcome: 'rejected',
    tags: ['1.2.3-rc1'],
    approvals: [{ ...alice, decision: 'reject', comment: 'flaky tests' }],
    reason: 'rejected by alice: flaky tests',
  },
  failed: { ...base, id: 'o4', outcome: 'failed', reason: 'gave up after 5 deliveries: 503' },
  'rolled-back': {
    ...base,
    id: 'o5',
    outcome: 'rolled-back',
    tags: ['release-latest'],
    previousDigest: 'sha256:9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f',
    actor: 'alice',
    reason: 'crash loop in 1.2.3',
  },
  unpinned: { ...base, id: 'o6', outcome: 'unpinned', actor: 'alice', reason: 'fixed in 1.2.4' },
  drift: {
    ...base,
    id: 'o7',
    outcome: 'drift',
    tags: ['1.2.3'],
    previousDigest: 'sha256:9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f',
    restored: true,
    reason: 'tag 1.2.3 was moved off the promoted digest',
  },
  deleted: { ...base, id: 'o8', outcome: 'deleted', reason: 'retention: older than 30 days' },
  reconciled: {
    ...base,
    id: 'o9',
    outcome: 'reconciled',
    reconciled: 'tag-missing',
    tags: ['1.2.3'],
    restored: true,
    reason: 'reconciled: 1.2.3 was missing from the registry; promoter wrote it back',
  },
};

/** Everything a Slack user reads: header, section text and fields, context lines. */
function slackText(message: SlackMessage): string {
  return message.blocks
    .flatMap((b) => {
      if (b.type === 'header') return [b.text.text];
      if (b.type === 'section') return [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)];
      if (b.type === 'context') return b.elements.map((e) => e.text);
      return b.elements.map((e) => e.text.text);
    })
    .join('\n');
}

/** Everything a Teams user reads on the card. */
function teamsText(message: TeamsMessage): string {
  return message.attachments[0].content.body
    .flatMap((e) =>
      e.type === 'TextBlock' ? [e.text] : e.facts.map((f) => `${f.title}: ${f.value}`),
    )
    .join('\n');
}

const slackBody = (r: Captured | undefined) => r?.body as SlackMessage;
const teamsBody = (r: Captured | undefined) => r?.body as TeamsMessage;

describe('chat notifications', () => {
  it.each(Object.values(events))(
    'posts the $outcome outcome to Slack and Teams with repository, stage, version, tag, short digest, git SHA and approvers',
    async (event) => {
      const { slack, teams, notifier } = await both();
      await notifier.notify(event);
      expect(slack.requests).toHaveLength(1);
      expect(teams.requests).toHaveLength(1);
      for (const request of [slack.requests[0], teams.requests[0]]) {
        expect(request?.method).toBe('POST');
        expect(request?.headers['content-type']).toMatch(/^application\/json/);
      }
      const slackSees = slackText(slackBody(slack.requests[0]));
      const teamsSees = teamsText(teamsBody(teams.requests[0]));
      const word = {
        promoted: 'Promoted',
        pending: 'Awaiting approval',
        rejected: 'Rejected',
        failed: 'Failed',
        'rolled-back': 'Rolled back',
        unpinned: 'Unpinned',
        drift: 'Drift',
        deleted: 'Deleted by retention',
        reconciled: 'Reconciled',
      };
      for (const seen of [slackSees, teamsSees]) {
        expect(seen).toContain(word[event.outcome]);
        expect(seen).toContain('team/myapp');
        expect(seen).toContain(event.stage);
        expect(seen).toContain('1.2.3');
        expect(seen).toContain('sha256:4f53ab12cd34');
        expect(seen).toContain('a1b2c3d');
        for (const tag of event.tags ?? []) expect(seen).toContain(tag);
        if (event.approvals !== undefined) expect(seen).toMatch(/alice.*\(Alice\)/);
        if (event.reason !== undefined) expect(seen).toContain(event.reason);
      }
      expect(slackBody(slack.requests[0]).text).toContain('team/myapp');
      expect(teamsBody(teams.requests[0]).attachments[0]).toMatchObject({
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: { type: 'AdaptiveCard', version: '1.4' },
      });
    },
  );

  it('tells Slack how many approvals a pending promotion still needs, who may give them, with Approve and Reject buttons', async () => {
    const { slack, notifier } = await both();
    await notifier.notify(events.pending);
    const message = slackBody(slack.requests[0]);
    const seen = slackText(message);
    expect(seen).toContain('Needs 1 more approval* (1 of 2 so far)');
    expect(seen).toMatch(/May approve:\* <@U024BE7LH>, group `release-managers`$/m);
    const actions = message.blocks.find((b) => b.type === 'actions');
    expect(actions?.elements.map((e) => [e.action_id, e.style])).toEqual([
      ['approve', 'primary'],
      ['reject', 'danger'],
    ]);
    for (const button of actions?.elements ?? [])
      expect(parseChatAction(button.value)).toEqual({
        repository: 'team/myapp',
        digest,
        stage: 'release',
        version: '1.2.3',
      });
  });

  it('tells Teams who may still approve and which @mention command approves the exact digest', async () => {
    const { teams, notifier } = await both();
    await notifier.notify(events.pending);
    const seen = teamsText(teamsBody(teams.requests[0]));
    expect(seen).toContain('Needs 1 more approval** (1 of 2 so far)');
    expect(seen).toContain('May approve:** slack:U024BE7LH, group release-managers');
    const command = `@promoter approve team/myapp ${digest} release 1.2.3`;
    expect(seen).toContain(command);
    expect(parseChatCommand(command.replace('@promoter ', ''), '@promoter')).toEqual({
      kind: 'approve',
      repository: 'team/myapp',
      build: { digest },
      stage: 'release',
      version: '1.2.3',
    });
  });

  it('says any approver may approve when the stage lists none', async () => {
    const { slack, teams, notifier } = await both();
    await notifier.notify({ ...events.pending, eligible: { ids: [], groups: [] } });
    expect(slackText(slackBody(slack.requests[0]))).toContain('May approve:* any approver');
    expect(teamsText(teamsBody(teams.requests[0]))).toContain('May approve:** any approver');
  });

  it('escapes Slack markup in text promoter did not write', async () => {
    const { slack, notifier } = await both();
    await notifier.notify({ ...events.failed, reason: 'registry said <!channel> & left' });
    expect(slackText(slackBody(slack.requests[0]))).toContain(
      'registry said &lt;!channel&gt; &amp; left',
    );
  });

  it('throws a TransientError naming the webhook host on a 500, then posts on the retry only where it failed', async () => {
    const { slack, teams, notifier } = await both();
    slack.answers.push({ status: 500, body: 'internal_error' });
    const error = await notifier.notify(events.promoted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(String(error)).toContain(`Slack webhook (${slack.host}): HTTP 500: internal_error`);
    expect(String(error)).not.toContain('SECRET');
    expect(teams.requests).toHaveLength(1);
    await expect(notifier.notify(events.promoted)).resolves.toBeUndefined();
    expect(slack.requests).toHaveLength(2);
    expect(teams.requests).toHaveLength(1);
  });

  it('treats 429 as transient and reports Retry-After', async () => {
    const { teams, notifier } = await both();
    teams.answers.push({ status: 429, body: 'slow down', headers: { 'retry-after': '7' } });
    const error = await notifier.notify(events.failed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(String(error)).toContain(
      `Teams webhook (${teams.host}): HTTP 429: slow down (retry after 7 s)`,
    );
  });

  it('throws a plain Error with the answer on a 400, after still posting to the other webhook', async () => {
    const { slack, teams, notifier } = await both();
    slack.answers.push({ status: 400, body: 'invalid_payload' });
    const error = await notifier.notify(events.rejected).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientError);
    expect(String(error)).toContain('HTTP 400: invalid_payload');
    expect(teams.requests).toHaveLength(1);
  });

  it('reports both failures, as transient when either may pass on a retry', async () => {
    const { slack, teams, notifier } = await both();
    slack.answers.push({ status: 404, body: `no_service ${SLACK_PATH}` });
    teams.answers.push({ status: 503 });
    const error = await notifier.notify(events.promoted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(String(error)).toMatch(
      /Slack webhook .*HTTP 404: no_service <redacted>.*revoked.*; .*Teams webhook .*HTTP 503/,
    );
    expect(String(error)).not.toContain('SECRET');
  });

  it('gives up on a webhook that does not answer within the timeout, as transient', async () => {
    const slack = await standIn(SLACK_PATH);
    slack.answers.push({ status: 200, hang: true });
    const notifier = createChatNotifier({ slackWebhookUrl: slack.url, timeoutMs: 200 });
    const error = await notifier.notify(events.promoted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(String(error)).toContain(`Slack webhook (${slack.host}): no answer within 200 ms`);
  });

  it('reports a refused connection as transient, naming only the host', async () => {
    const gone = await standIn(TEAMS_PATH);
    await servers.pop()?.();
    const notifier = createChatNotifier({ teamsWebhookUrl: gone.url });
    const error = await notifier.notify(events.promoted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(String(error)).toMatch(
      new RegExp(`Teams webhook \\(${gone.host}\\): network error: .*ECONNREFUSED`),
    );
    expect(String(error)).not.toContain('SECRET');
    expect(String(error)).not.toContain('/workflows');
  });

  it('posts only to Slack when only Slack is configured', async () => {
    const slack = await standIn(SLACK_PATH);
    await createChatNotifier({ slackWebhookUrl: slack.url }).notify(events.promoted);
    expect(slack.requests).toHaveLength(1);
    expect(slackBody(slack.requests[0]).blocks[0]).toMatchObject({ type: 'header' });
  });

  it('posts to Teams what a Workflows webhook takes: a message with one Adaptive Card attachment, and takes its 202 as done', async () => {
    const teams = await standIn(TEAMS_PATH);
    // A workflow answers 202 Accepted with an empty body once it has the request.
    teams.answers.push({ status: 202, body: '' });
    await createChatNotifier({ teamsWebhookUrl: teams.url }).notify(events.pending);
    const [request] = teams.requests;
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = request?.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['type', 'attachments']);
    expect(body.type).toBe('message');
    const attachments = body.attachments as Record<string, unknown>[];
    expect(attachments).toHaveLength(1);
    expect(Object.keys(attachments[0] ?? {})).toEqual(['contentType', 'contentUrl', 'content']);
    expect(attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
      },
    });
    // Workflows post Adaptive Cards only: nothing of the retired connector MessageCard format.
    expect(JSON.stringify(body)).not.toMatch(/"@type"|"@context"|MessageCard|potentialAction/);
  });

  it('posts only to Teams when only Teams is configured', async () => {
    const teams = await standIn(TEAMS_PATH);
    await createChatNotifier({ slackWebhookUrl: undefined, teamsWebhookUrl: teams.url }).notify(
      events.promoted,
    );
    expect(teams.requests).toHaveLength(1);
    expect(teamsBody(teams.requests[0]).type).toBe('message');
  });

  it('does nothing when no webhook is configured', async () => {
    const calls: unknown[] = [];
    const notifier = createChatNotifier({
      fetch: (input) => {
        calls.push(input);
        return Promise.reject(new Error('not expected'));
      },
    });
    await expect(notifier.notify(events.pending)).resolves.toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('refuses an invalid webhook URL without quoting it', () => {
    expect(() => createChatNotifier({ slackWebhookUrl: 'not a url/SECRET' })).toThrow(
      /^the Slack webhook URL is not a valid URL$/,
    );
  });
});
