import { describe, expect, it } from 'vitest';
import { handleRegistryEvents } from '../../../src/app/push/handleRegistryEvents.js';
import { automaticPromotionId } from '../../../src/app/push/requestAutomaticPromotion.js';
import { defaultPipeline } from '../../../src/domain/pipeline.js';
import type { PromotionMessage } from '../../../src/domain/promotionMessage.js';
import type { RegistryEvent } from '../../../src/domain/registryEvents.js';
import { MemoryBuildLedger } from '../../support/memoryBuildLedger.js';
import { MemoryPromotionLedger } from '../../support/memoryPromotionLedger.js';
import { MemoryRegistry } from '../../support/memoryRegistry.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const manifest = 'application/vnd.oci.image.manifest.v1+json';

function push(
  id: string,
  tag: string | undefined,
  d = digest('a'),
  repository = 'myapp',
): Extract<RegistryEvent, { kind: 'push' }> {
  return {
    kind: 'push',
    id,
    timestamp: undefined,
    registry: 'localhost:5000',
    repository,
    digest: d,
    mediaType: manifest,
    tag,
  };
}

function deps(ledger = new MemoryBuildLedger()) {
  const sent: PromotionMessage[] = [];
  return {
    ledger,
    promotions: new MemoryPromotionLedger(),
    registry: new MemoryRegistry(),
    publisher: { publish: () => Promise.resolve() },
    approvals: {
      send: (message: PromotionMessage) => {
        sent.push(message);
        return Promise.resolve();
      },
    },
    sent,
    pipeline: defaultPipeline(),
    clock: { now: () => new Date('2026-11-27T10:00:00Z') },
    defaultRegistry: 'fallback.example',
  };
}

/** The webhook's results: what was done with each event. */
const recordedOutcomes = async (events: RegistryEvent[], d: ReturnType<typeof deps>) =>
  (await handleRegistryEvents(events, d)).map((report) => report.result);

describe('handleRegistryEvents', () => {
  it('keeps the event id and the registry’s push time on the build, and asks for dev under an id derived from them', async () => {
    const d = deps();
    const timed = { ...push('e-timed', 'git-a1b2c3d'), timestamp: '2026-11-27T09:59:58.123+00:00' };
    const untimed = { ...push('e-untimed', 'git-b2c3d4e', digest('b')), timestamp: 'yesterday' };

    const reports = await handleRegistryEvents([timed, untimed], d);

    expect(await d.ledger.getBuildByDigest('myapp', digest('a'))).toMatchObject({
      eventId: 'e-timed',
      pushedAt: '2026-11-27T09:59:58.123Z',
    });
    const b = await d.ledger.getBuildByDigest('myapp', digest('b'));
    expect(b?.eventId).toBe('e-untimed');
    expect(b).not.toHaveProperty('pushedAt');
    expect(reports[0]?.promotionRequested).toBe(automaticPromotionId('dev', 'myapp', 'e-timed'));
  });

  it('records a push under a build tag with the git SHA from the tag', async () => {
    const d = deps();
    const [outcome] = await recordedOutcomes([push('e1', 'git-a1b2c3d')], d);
    expect(outcome).toMatchObject({
      outcome: 'recorded',
      repository: 'myapp',
      gitSha: 'a1b2c3d',
      digest: digest('a'),
    });
    expect(await d.ledger.getBuildByDigest('myapp', digest('a'))).toMatchObject({
      gitShas: ['a1b2c3d'],
      registry: 'localhost:5000',
    });
  });

  it('answers a redelivered event as a duplicate and records once', async () => {
    const d = deps();
    const outcomes = [];
    for (let i = 0; i < 5; i++)
      outcomes.push(...(await recordedOutcomes([push('e1', 'git-a1b2c3d')], d)));
    expect(outcomes.map((o) => o.outcome)).toEqual([
      'recorded',
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    expect(d.ledger.builds.size).toBe(1);
  });

  it('keeps both git SHAs when one digest is pushed under two build tags', async () => {
    const d = deps();
    await recordedOutcomes([push('e1', 'git-a1b2c3d'), push('e2', 'git-0000fff')], d);
    expect((await d.ledger.findBuildsByGitSha('myapp', 'a1b2c3d'))[0]?.digest).toBe(digest('a'));
    expect((await d.ledger.findBuildsByGitSha('myapp', '0000fff'))[0]?.digest).toBe(digest('a'));
  });

  // A push to a stage tag no promotion made is drift (never a build), whether or not the
  // registry still shows it.
  it.each([
    ['a stage tag', 'dev-latest', 'drift'],
    ['an rc tag', '1.2.3-rc1', 'drift'],
    ['an unrelated tag', 'latest', 'ignored'],
    ['a push by digest', undefined, 'ignored'],
  ])('does not record %s', async (_, tag, expected) => {
    const d = deps();
    const [outcome] = await recordedOutcomes([push('e1', tag)], d);
    expect(outcome?.outcome).toBe(expected);
    expect(outcome?.reason).toBeTruthy();
    expect(d.ledger.builds.size).toBe(0);
  });

  it('marks a recorded digest deleted, and ignores a delete of an unknown digest', async () => {
    const d = deps();
    const del = (id: string, dg: string): RegistryEvent => ({
      kind: 'delete',
      id,
      timestamp: undefined,
      registry: undefined,
      repository: 'myapp',
      digest: dg,
      tag: undefined,
    });
    const outcomes = await recordedOutcomes(
      [push('e1', 'git-a1b2c3d'), del('e2', digest('a')), del('e3', digest('b'))],
      d,
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(['recorded', 'deleted', 'ignored']);
    expect((await d.ledger.getBuildByDigest('myapp', digest('a')))?.deletedAt).toBe(
      '2026-11-27T10:00:00.000Z',
    );
  });

  it('records the configured registry when the event names none', async () => {
    const d = deps();
    await recordedOutcomes([{ ...push('e1', 'git-a1b2c3d'), registry: undefined }], d);
    expect((await d.ledger.getBuildByDigest('myapp', digest('a')))?.registry).toBe(
      'fallback.example',
    );
  });

  it('throws the ledger outage after recording the events before it, so a redelivery finishes the rest', async () => {
    const ledger = new MemoryBuildLedger();
    const d = deps(ledger);
    await recordedOutcomes([push('e1', 'git-a1b2c3d')], d);
    ledger.down = true;
    await expect(
      recordedOutcomes([push('e1', 'git-a1b2c3d'), push('e2', 'git-bbbbbbb', digest('b'))], d),
    ).rejects.toThrow(/unavailable/);
    ledger.down = false;
    const outcomes = await recordedOutcomes(
      [push('e1', 'git-a1b2c3d'), push('e2', 'git-bbbbbbb', digest('b'))],
      d,
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(['duplicate', 'recorded']);
  });

  it('asks for the automatic dev promotion of each recorded push, again with the same id on a redelivery', async () => {
    const d = deps();
    const first = await handleRegistryEvents(
      [push('e1', 'git-a1b2c3d'), push('e2', 'dev-latest'), push('e3', 'latest')],
      d,
    );
    const again = await handleRegistryEvents([push('e1', 'git-a1b2c3d')], d);
    expect(first.map((r) => r.promotionRequested !== undefined)).toEqual([true, false, false]);
    expect(again[0]?.promotionRequested).toBe(first[0]?.promotionRequested);
    expect(d.sent).toHaveLength(2);
    expect(d.sent[0]).toMatchObject({
      type: 'approval',
      repository: 'myapp',
      stage: 'dev',
      build: { digest: digest('a') },
      decision: 'approve',
      source: 'system',
    });
  });
});
