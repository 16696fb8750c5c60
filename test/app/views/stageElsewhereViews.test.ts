import { describe, expect, it } from 'vitest';
import { outcomeFacts, outcomeHeadline } from '../../../src/adapters/chat/outcomeFacts.js';
import { handleRegistryEvents } from '../../../src/app/push/handleRegistryEvents.js';
import { repositoryStatus, statusText } from '../../../src/app/views/repositoryStatus.js';
import { stageBoard } from '../../../src/app/views/stageBoard.js';
import { formatHistory } from '../../../src/cli/formatHistory.js';
import { formatOutcome } from '../../../src/cli/formatOutcome.js';
import type { OutcomeEvent } from '../../../src/domain/outcomeEvent.js';
import { eventsTable } from '../../../src/functions/board/boardTables.js';
import { stageCard } from '../../../src/functions/board/stageCards.js';
import { PROD, twoRegistryWorld } from '../../support/twoRegistryWorld.js';

const AT = `${PROD}/prod/myapp`;

/** The event as the CLI reads it from the API (JSON). */
const answer = (event: OutcomeEvent) =>
  JSON.parse(JSON.stringify(event)) as Parameters<typeof formatOutcome>[0];

/** 1.2.2 then 1.2.3 released into prod/myapp of PROD; rc stays in the build registry. */
async function twoReleases() {
  const w = twoRegistryWorld();
  const previous = await w.release('aaaaaaa', '1.2.2');
  const current = await w.release('bbbbbbb', '1.2.3');
  return { w, previous, current };
}

describe('a stage kept in another registry, as people read it', () => {
  it('status, chat status and the board show its tags as full references; a stage in the build registry keeps its short tags', async () => {
    const { w } = await twoReleases();
    const status = await repositoryStatus(w.deps, 'myapp');
    expect(status.stages.map((s) => [s.stage, s.location])).toEqual([
      ['dev', undefined],
      ['rc', undefined],
      ['release', AT],
    ]);
    const text = statusText(status);
    expect(text).toContain(`as ${AT}:1.2.3, ${AT}:release-latest`);
    expect(text).toMatch(/• rc 1\.2\.3: sha256:\w+ \(git bbbbbbb\) as 1\.2\.3-rc1,/);

    const board = await stageBoard(w.deps, 'myapp');
    const [, rc, release] = board.stages;
    if (rc === undefined || release === undefined) throw new Error('no rc or release card');
    expect(release).toMatchObject({ location: AT, tags: ['1.2.3', 'release-latest'] });
    expect(rc).not.toHaveProperty('location');
    const now = new Date(board.at);
    const card = stageCard(release, 1, now).toString();
    expect(card).toContain(`<span class="tag located">${AT}:1.2.3</span>`);
    expect(card).toMatch(new RegExp(`class="tag floating located"[^>]*>${AT}:release-latest<`));
    expect(stageCard(rc, 1, now).toString()).toContain('<span class="tag">1.2.3-rc1</span>');
    // The board's events: the release promotion names where its tags went.
    const events = eventsTable(board.events, now).toString();
    expect(events).toContain(`<code>${AT}:1.2.3</code>`);
    expect(events).toContain('<code>1.2.3-rc1</code>');
  });

  it('a rollback moves release-latest back in that registry only, and its outcome, history and chat say where', async () => {
    const { w, previous, current } = await twoReleases();
    const outcome = await w.handle({
      type: 'rollback',
      stage: 'release',
      to: { tag: '1.2.2' },
      reason: 'checkout fails',
    });
    expect(outcome).toMatchObject({
      outcome: 'rolled-back',
      digest: previous,
      previousDigest: current,
      tags: ['release-latest'],
      registry: PROD,
      stageRepository: 'prod/myapp',
    });
    expect(await w.prod.resolveTag('prod/myapp', 'release-latest')).toBe(previous);
    expect(await w.prod.resolveTag('prod/myapp', '1.2.3')).toBe(current);
    expect(await w.registry.resolveTag('myapp', 'release-latest')).toBeUndefined();
    expect(formatOutcome(answer(outcome)).line).toContain(
      `rolled back myapp release 1.2.2: ${AT}:release-latest → ${previous}`,
    );
    const history = await w.history();
    expect(formatHistory({ repository: 'myapp', outcomes: history.map(answer) })).toContain(
      `${AT}:release-latest`,
    );
    expect(outcomeFacts(outcome)).toContainEqual({ title: 'Tag', value: `${AT}:release-latest` });

    const unpinned = await w.handle({ type: 'unpin', stage: 'release' });
    expect(unpinned).toMatchObject({ outcome: 'unpinned', registry: PROD });
  });

  it('a rollback to a digest gone from that registry is refused, naming where, and moves nothing', async () => {
    const { w, previous, current } = await twoReleases();
    await w.prod.deleteManifest('prod/myapp', previous);
    const outcome = await w.handle({
      type: 'rollback',
      stage: 'release',
      to: { gitSha: 'aaaaaaa' },
      reason: 'checkout fails',
    });
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      reason: `${previous} is no longer in ${AT}`,
    });
    expect(await w.prod.resolveTag('prod/myapp', 'release-latest')).toBe(current);
  });

  it('drift there is announced with the tag’s full reference', async () => {
    const { w } = await twoReleases();
    const other = w.prod.add('prod/myapp', 'someone else’s image');
    w.prod.setTag('prod/myapp', '1.2.3', other);
    w.published.length = 0;
    await handleRegistryEvents(
      [
        {
          kind: 'push',
          id: 'e1',
          timestamp: new Date().toISOString(),
          registry: PROD,
          repository: 'prod/myapp',
          digest: other,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          tag: '1.2.3',
          pushedBy: 'mallory',
        },
      ],
      w.deps,
    );
    const [drift] = w.published;
    if (drift === undefined) throw new Error('no drift announced');
    expect(drift).toMatchObject({
      outcome: 'drift',
      registry: PROD,
      stageRepository: 'prod/myapp',
    });
    expect(outcomeHeadline(drift)).toBe(
      `⚠️ Drift: myapp tag ${AT}:1.2.3 was moved outside promoter`,
    );
    expect(drift.reason).toContain(`${AT}:1.2.3 was moved by mallory from the promoted`);
  });
});
