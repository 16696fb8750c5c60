import { describe, expect, it, vi } from 'vitest';
import { stageBoard } from '../../../src/app/views/stageBoard.js';
import type { OutcomeEvent } from '../../../src/domain/outcomeEvent.js';
import { DEFAULT_PIPELINE_JSON } from '../../../src/domain/pipeline.js';
import type { StageHead } from '../../../src/domain/promotion.js';
import { boardScenario, promotedMyapp } from '../../support/boardScenario.js';

describe('stageBoard: what each stage holds, what waits, what happened', () => {
  it('shows each stage in pipeline order with its tags, digest, git SHA, approver and age', async () => {
    const s = await promotedMyapp();
    const board = await stageBoard(s.services, 'myapp');
    expect(board.repository).toBe('myapp');
    expect(board.at).toBe('2026-11-27T10:00:00.000Z');
    expect(board.stages.map((c) => c.stage)).toEqual(['dev', 'rc', 'release']);
    const [dev, rc, release] = board.stages;
    expect(dev).toMatchObject({
      stage: 'dev',
      automatic: true,
      digest: s.second,
      shortDigest: s.second.slice(0, 'sha256:'.length + 12),
      tags: ['dev-latest'],
      floatingTags: ['dev-latest'],
      gitShas: ['b2c3d4e'],
      approvedBy: [{ approverId: 'system:promoter' }],
      promotedAt: '2026-11-27T09:00:00.000Z',
      ageSeconds: 3600,
    });
    expect(rc).toMatchObject({
      stage: 'rc',
      automatic: false,
      digest: s.first,
      version: '1.2.3',
      tags: ['1.2.3-rc1'],
      floatingTags: [],
      gitShas: ['a1b2c3d'],
      approvedBy: [
        { approverId: 'alice', approverName: 'Alice Liddell', at: '2026-11-27T08:00:00.000Z' },
      ],
      ageSeconds: 7200,
    });
    expect(release).toEqual({ stage: 'release', automatic: false, digest: null });
  });

  it('lists a pending approval with who approved, who asked and who may still approve', async () => {
    const s = await promotedMyapp();
    const { pending } = await stageBoard(s.services, 'myapp');
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      stage: 'release',
      version: '1.2.3',
      digest: s.first,
      gitShas: ['a1b2c3d'],
      author: 'carol',
      requestedBy: 'dave',
      requestedAt: '2026-11-27T09:30:00.000Z',
      required: 2,
      approvedBy: [{ approverId: 'alice', approverName: 'Alice Liddell' }],
      mayStillApprove: {
        needed: 1,
        ids: ['bob'],
        groups: ['release-managers'],
        text: 'bob or a member of release-managers (not carol, dave or alice)',
      },
    });
  });

  it('says "anyone but …" when the stage names no approver', async () => {
    const s = boardScenario({
      ...DEFAULT_PIPELINE_JSON,
      stages: DEFAULT_PIPELINE_JSON.stages.map((st) =>
        st.name === 'rc' ? { ...st, approval: { required: 2 } } : st,
      ),
    });
    await s.push('myapp', 'a1b2c3d', 'carol');
    await s.send({
      repository: 'myapp',
      stage: 'dev',
      build: { gitSha: 'a1b2c3d' },
      approver: { id: 'system:promoter' },
      source: 'system',
    });
    await s.send({
      repository: 'myapp',
      stage: 'rc',
      build: { gitSha: 'a1b2c3d' },
      version: '1.2.3',
    });
    const { pending } = await stageBoard(s.services, 'myapp');
    expect(pending[0]?.mayStillApprove).toMatchObject({
      anyone: true,
      ids: [],
      groups: [],
      text: 'anyone but carol (pushed the build) or alice (approved already)',
    });
  });

  it('shows the newest ten outcome events, newest first, and the dead-lettered messages', async () => {
    const s = await promotedMyapp();
    const failed: OutcomeEvent = {
      type: 'promotion.outcome',
      id: 'failed-1',
      outcome: 'failed',
      repository: 'myapp',
      stage: 'rc',
      reason: 'gave up after 5 deliveries: registry unavailable',
      messageId: 'dead-1',
      at: '2026-11-27T09:45:00.000Z',
    };
    await s.promotions.appendHistory('myapp', failed);
    for (let i = 0; i < 12; i++)
      await s.send({
        repository: 'myapp',
        stage: 'nope',
        build: { gitSha: 'a1b2c3d' },
      });
    const board = await stageBoard(s.services, 'myapp');
    expect(board.events).toHaveLength(10);
    expect(board.events.every((e) => e.outcome === 'rejected')).toBe(true);
    expect(board.deadLetters).toEqual([failed]);
  });

  it('shows a pinned stage with who pinned it and why', async () => {
    const s = await promotedMyapp();
    const state = await s.promotions.getRepositoryState('myapp');
    const rc = state.heads.rc as StageHead;
    const pinned = {
      by: 'erin',
      at: '2026-11-27T09:50:00.000Z',
      reason: 'broken login',
      messageId: 'rb-1',
    };
    await s.promotions.commit('myapp', {
      expectedEtag: state.etag,
      heads: { ...state.heads, rc: { ...rc, pinned } },
      promotions: [],
    });
    const board = await stageBoard(s.services, 'myapp');
    expect(board.stages[1]).toMatchObject({ stage: 'rc', pinned });
  });

  it('reads no build list: its reads do not grow with the number of builds', async () => {
    const s = await promotedMyapp();
    for (let i = 0; i < 50; i++) await s.push('myapp', `c${String(i).padStart(6, '0')}`);
    const listBuilds = vi.spyOn(s.ledger, 'listBuilds');
    const findBuilds = vi.spyOn(s.ledger, 'findBuildsByGitSha');
    await stageBoard(s.services, 'myapp');
    expect(listBuilds).not.toHaveBeenCalled();
    expect(findBuilds).not.toHaveBeenCalled();
  });

  it('shows every stage empty for a repository with nothing recorded', async () => {
    const s = boardScenario();
    const board = await stageBoard(s.services, 'nothing/here');
    expect(board.stages.every((c) => c.digest === null)).toBe(true);
    expect(board).toMatchObject({ pending: [], events: [], deadLetters: [] });
  });
});
