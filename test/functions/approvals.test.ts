import { describe, expect, it } from 'vitest';
import type { Services } from '../../src/composition/createServices.js';
import { approvals } from '../../src/functions/approvals.js';
import { signPromoterRequest } from '../../src/domain/promoterSignature.js';
import { bearer, invoke, memoryServices } from '../support/handlers.js';

const HMAC_SECRET = 'approvals-hmac-secret-0123456789abcdef';

function setup(env: Record<string, string> = { PROMOTER_APPROVALS_HMAC_SECRET: HMAC_SECRET }) {
  const m = memoryServices(env);
  // The real time: the replay guard remembers claims by the wall clock.
  const now = new Date();
  const services: Services = { ...m.services, clock: { now: () => now } };
  const handler = approvals(() => Promise.resolve(services));
  /** POSTs `body` signed at `signedAt` (default: now) with `secret` (unless `unsigned`). */
  const post = (
    body: unknown,
    options: {
      signedAt?: Date;
      secret?: string;
      unsigned?: boolean;
      headers?: Record<string, string>;
    } = {},
  ) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return invoke(handler, {
      url: 'http://localhost:7071/api/approvals',
      body: text,
      headers: {
        'content-type': 'application/json',
        ...(options.unsigned
          ? {}
          : signPromoterRequest(text, options.secret ?? HMAC_SECRET, options.signedAt ?? now)),
        ...options.headers,
      },
    });
  };
  const secondsAgo = (seconds: number) => new Date(now.getTime() - seconds * 1000);
  return { ...m, post, secondsAgo };
}

const approval = {
  repository: 'team/backend',
  build: { gitSha: 'a1b2c3d' },
  stage: 'rc',
  version: '1.2.3',
  decision: 'approve',
  approver: { id: 'alice', groups: ['release-managers'] },
};

describe('POST /api/approvals', () => {
  it('queues the approval with a new id and answers 202', async () => {
    const t = setup();
    const answer = await t.post(approval);
    expect(answer.status).toBe(202);
    const { id } = answer.body as { id: string };
    expect(answer.body).toEqual({ id, status: 'queued', repository: 'team/backend', stage: 'rc' });
    expect(t.sent).toEqual([{ type: 'approval', id, source: 'http', ...approval }]);
  });

  it('keeps the id the caller chose, so a retried POST (signed anew) is one message', async () => {
    const t = setup();
    await t.post({ ...approval, id: 'gate-run-42' }, { signedAt: t.secondsAgo(1) });
    await t.post({ ...approval, id: 'gate-run-42' });
    expect(t.sent.map((m) => m.id)).toEqual(['gate-run-42', 'gate-run-42']);
  });

  it.each([
    ['a missing signature', approval, { unsigned: true }, 401, undefined],
    ['not JSON', '{', undefined, 400, undefined],
    ['a bad version', { ...approval, version: 'v1' }, undefined, 400, 'version'],
    ['an unknown decision', { ...approval, decision: 'maybe' }, undefined, 400, 'decision'],
    ['a missing approver', { ...approval, approver: undefined }, undefined, 400, 'approver'],
    ['an uppercase repository', { ...approval, repository: 'MyApp' }, undefined, 400, 'repository'],
  ])(
    'refuses %s with %i naming the field, queueing nothing',
    async (_, body, options, status, field) => {
      const t = setup();
      const answer = await t.post(body, options);
      expect(answer.status).toBe(status);
      if (field)
        expect((answer.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(
          field,
        );
      expect(t.sent).toEqual([]);
    },
  );

  it.each([
    ['forged (signed with another secret)', { secret: 'not-the-approvals-secret-0123456789' }],
    ['stale (signed 6 minutes ago)', { signedAt: new Date(Date.now() - 6 * 60_000) }],
    ['from the future (signed 6 minutes ahead)', { signedAt: new Date(Date.now() + 6 * 60_000) }],
    ['authenticated with the webhook secret instead', { unsigned: true, headers: bearer() }],
  ])('refuses a %s request with 401, queueing nothing', async (_, options) => {
    const t = setup();
    const answer = await t.post(approval, options);
    expect(answer.status).toBe(401);
    expect(t.sent).toEqual([]);
  });

  it('refuses a tampered body with 401, queueing nothing', async () => {
    const t = setup();
    const signed = signPromoterRequest(JSON.stringify(approval), HMAC_SECRET, new Date());
    const tampered = JSON.stringify({ ...approval, approver: { id: 'mallory' } });
    const answer = await t.post(tampered, { headers: signed });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ detail: 'the signature does not match the body' });
    expect(t.sent).toEqual([]);
  });

  it('refuses a replayed request with 401: the approval is queued once', async () => {
    const t = setup();
    const body = JSON.stringify(approval);
    const signed = signPromoterRequest(body, HMAC_SECRET, t.secondsAgo(2));
    expect((await t.post(body, { headers: signed })).status).toBe(202);
    const replay = await t.post(body, { headers: signed });
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ detail: expect.stringMatching(/replay/) as unknown });
    expect(t.sent).toHaveLength(1);
  });

  it('refuses everything with 401 while PROMOTER_APPROVALS_HMAC_SECRET is unset', async () => {
    const t = setup({});
    const answer = await t.post(approval);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({
      detail: expect.stringMatching(/PROMOTER_APPROVALS_HMAC_SECRET is not set/) as unknown,
    });
    expect(t.sent).toEqual([]);
  });
});
