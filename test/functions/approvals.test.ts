import { describe, expect, it } from 'vitest';
import { approvals } from '../../src/functions/approvals.js';
import { bearer, invoke, memoryServices } from '../support/handlers.js';

function setup() {
  const m = memoryServices();
  const post = (body: unknown, headers: Record<string, string> = bearer()) =>
    invoke(approvals(m.provider), {
      url: 'http://localhost:7071/api/approvals',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers,
    });
  return { ...m, post };
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

  it('keeps the id the caller chose, so a retried POST is one message', async () => {
    const t = setup();
    await t.post({ ...approval, id: 'gate-run-42' });
    await t.post({ ...approval, id: 'gate-run-42' });
    expect(t.sent.map((m) => m.id)).toEqual(['gate-run-42', 'gate-run-42']);
  });

  it.each([
    ['a missing secret', approval, {}, 401, undefined],
    ['not JSON', '{', undefined, 400, undefined],
    ['a bad version', { ...approval, version: 'v1' }, undefined, 400, 'version'],
    ['an unknown decision', { ...approval, decision: 'maybe' }, undefined, 400, 'decision'],
    ['a missing approver', { ...approval, approver: undefined }, undefined, 400, 'approver'],
    ['an uppercase repository', { ...approval, repository: 'MyApp' }, undefined, 400, 'repository'],
  ])(
    'refuses %s with %i naming the field, queueing nothing',
    async (_, body, headers, status, field) => {
      const t = setup();
      const answer = await t.post(body, headers);
      expect(answer.status).toBe(status);
      if (field)
        expect((answer.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(
          field,
        );
      expect(t.sent).toEqual([]);
    },
  );
});
