import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { outcomeOf, pushBuild, stack, tagDigest, unique } from '../support/stack.js';

// Approvals from chat on the local stack: a host with Slack and Teams configured, whose
// incoming webhooks are local servers that capture what promoter posts.

const SLACK_SECRET = randomBytes(24).toString('hex');
const TEAMS_TOKEN = randomBytes(32).toString('base64');

interface Captured {
  readonly channel: 'slack' | 'teams';
  readonly body: unknown;
}

let work: string;
let host: LocalHost;
let channels: Server;
const captured: Captured[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-chat-'));
  channels = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      captured.push({
        channel: req.url === '/slack' ? 'slack' : 'teams',
        body: JSON.parse(text) as unknown,
      });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => channels.listen(0, '127.0.0.1', resolve));
  const channelsUrl = `http://127.0.0.1:${(channels.address() as AddressInfo).port}`;
  host = await startLocalHost({
    port: await freePort(),
    env: {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: inject('tablePrefix'),
      PROMOTER_WEBHOOK_SECRET: stack.secret,
      PROMOTER_APPROVALS_HMAC_SECRET: inject('approvalsHmacSecret'),
      PROMOTER_REGISTRY: stack.registry,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_WEBHOOK_URL: `${channelsUrl}/slack`,
      TEAMS_OUTGOING_WEBHOOK_TOKEN: TEAMS_TOKEN,
      TEAMS_WEBHOOK_URL: `${channelsUrl}/teams`,
    },
    log: () => undefined,
  });
});

afterAll(async () => {
  await host.close();
  await new Promise<void>((resolve) =>
    channels.close(() => {
      resolve();
    }),
  );
  await rm(work, { recursive: true, force: true });
});

function slashCommand(text: string, options: { secret?: string } = {}) {
  const body = new URLSearchParams({
    team_id: 'T1',
    channel_id: 'C1',
    user_id: 'U123',
    user_name: 'alice',
    command: '/promote',
    text,
    response_url: 'https://hooks.slack.com/commands/T1/1/abc',
    trigger_id: randomUUID(),
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', options.secret ?? SLACK_SECRET)
    .update(`v0:${timestamp}:${body}`)
    .digest('hex')}`;
  return fetch(`${host.url}/api/chat/slack`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
    body,
  });
}

function teamsMention(text: string) {
  const body = JSON.stringify({
    type: 'message',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    from: { id: '29:1abc', name: 'Bob Jones', aadObjectId: '6c1c2a4e-0000-4000-8000-000000000001' },
    conversation: { isGroup: true, id: '19:abc@thread.skype' },
    text: `<at>promoter</at> ${text}`,
  });
  const hmac = createHmac('sha256', Buffer.from(TEAMS_TOKEN, 'base64'))
    .update(body)
    .digest('base64');
  return fetch(`${host.url}/api/chat/teams`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `HMAC ${hmac}` },
    body,
  });
}

/** The latest outcome of a repository, by its history. */
async function latestOutcome(
  repository: string,
  wanted: (o: { outcome: string; stage: string }) => boolean,
) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { outcomes } = (await (
      await fetch(`${host.url}/api/repositories/${repository}/history`)
    ).json()) as {
      outcomes: { outcome: string; stage: string; messageId: string }[];
    };
    const found = outcomes.find(wanted);
    if (found) return outcomeOf(repository, found.messageId, host.url);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no matching outcome in ${repository}`);
}

async function notification(channel: 'slack' | 'teams', match: string) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const found = captured.find(
      (c) => c.channel === channel && JSON.stringify(c.body).includes(match),
    );
    if (found) return JSON.stringify(found.body);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${channel} notification mentioning ${match}`);
}

describe('approvals from chat', () => {
  it('a signed Slack slash command approves rc: the tag is written and the channel is told', async () => {
    const repo = unique('slack');
    const build = await pushBuild(work, repo);
    const answer = await slashCommand(`approve ${repo} ${build.sha} rc 1.2.3`);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { text: string }).text).toMatch(
      /^Queued: approve rc 1\.2\.3 of /,
    );
    const outcome = await latestOutcome(repo, (o) => o.stage === 'rc');
    expect(outcome).toMatchObject({
      outcome: 'promoted',
      tags: ['1.2.3-rc1'],
      digest: build.digest,
    });
    expect(await tagDigest(repo, '1.2.3-rc1')).toBe(build.digest);
    const posted = await notification('slack', '1.2.3-rc1');
    expect(posted).toContain(repo);
    expect(posted).toContain(build.digest.slice(0, 19));
    expect(posted).toContain(build.sha);
  });

  it('a Teams mention approves the release, and the Teams channel gets the card', async () => {
    const repo = unique('teams');
    const build = await pushBuild(work, repo);
    await slashCommand(`approve ${repo} ${build.sha} rc 2.0.0`);
    await latestOutcome(repo, (o) => o.stage === 'rc');
    const answer = await teamsMention(`approve ${repo} 2.0.0-rc1 release`);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { text: string }).text).toMatch(/^Queued: approve release/);
    const outcome = await latestOutcome(repo, (o) => o.stage === 'release');
    expect(outcome).toMatchObject({ outcome: 'promoted', tags: ['2.0.0'] });
    expect(await tagDigest(repo, '2.0.0')).toBe(build.digest);
    expect(await notification('teams', '2.0.0')).toContain('AdaptiveCard');
  });

  it('refuses a forged Slack command with 401 and promotes nothing', async () => {
    const repo = unique('forged');
    const build = await pushBuild(work, repo);
    const answer = await slashCommand(`approve ${repo} ${build.sha} rc 1.0.0`, {
      secret: 'not-the-secret-0123456789',
    });
    expect(answer.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    await host.queue.idle();
    expect(await tagDigest(repo, '1.0.0-rc1')).toBeUndefined();
  });
});
