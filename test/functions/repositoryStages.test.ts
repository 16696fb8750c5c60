import { describe, expect, it } from 'vitest';
import { parseRepositoryPath } from '../../src/functions/http/repositoryPath.js';
import { repositories } from '../../src/functions/repositories.js';
import { promotedMyapp } from '../support/boardScenario.js';
import { invoke } from '../support/handlers.js';

async function get(path: string) {
  const s = await promotedMyapp();
  const answer = await invoke(repositories(s.provider), {
    method: 'GET',
    url: `http://localhost:7071/api/repositories/${path}`,
    params: { path },
  });
  return { ...s, answer };
}

describe('GET /api/repositories/{repository}/stages', () => {
  it.each([
    ['myapp/stages', { kind: 'stages', repository: 'myapp' }],
    ['org/stages/app/stages', { kind: 'stages', repository: 'org/stages/app' }],
    ['org/stages/app/status', { kind: 'status', repository: 'org/stages/app' }],
  ])('reads %s', (path, expected) => {
    expect(parseRepositoryPath(path)).toEqual(expected);
  });

  it('answers every stage in order with tags, digests, git SHA, approvers, time and age', async () => {
    const { answer, first, second } = await get('myapp/stages');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.body).toMatchObject({
      repository: 'myapp',
      at: '2026-11-27T10:00:00.000Z',
      stages: [
        {
          stage: 'dev',
          tags: ['dev-latest'],
          digest: second,
          shortDigest: second.slice(0, 19),
          gitShas: ['b2c3d4e'],
          promotedAt: '2026-11-27T09:00:00.000Z',
          ageSeconds: 3600,
        },
        {
          stage: 'rc',
          tags: ['1.2.3-rc1'],
          digest: first,
          gitShas: ['a1b2c3d'],
          approvedBy: [
            {
              approverId: 'alice',
              approverName: 'Alice Liddell',
              at: '2026-11-27T08:00:00.000Z',
            },
          ],
          ageSeconds: 7200,
        },
        { stage: 'release', digest: null },
      ],
      pending: [
        {
          stage: 'release',
          version: '1.2.3',
          mayStillApprove: { ids: ['bob'], groups: ['release-managers'] },
        },
      ],
      deadLetters: [],
    });
  });

  it('keeps the status route working next to it', async () => {
    const { answer } = await get('myapp/status');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      repository: 'myapp',
      stages: [{ stage: 'dev' }, { stage: 'rc', version: '1.2.3' }, { stage: 'release' }],
      pending: [{ stage: 'release', requestedBy: 'dave' }],
    });
  });

  it('names the stages route when the path is not understood', async () => {
    const { answer } = await get('myapp');
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ detail: expect.stringContaining('…/stages') as string });
  });
});
