import { describe, expect, it } from 'vitest';
import type { PromoteDeps } from '../../../src/app/promotion/commitStep.js';
import { handlePromotionMessage } from '../../../src/app/promotion/handlePromotionMessage.js';
import { handleRegistryEvents, type PushDeps } from '../../../src/app/push/handleRegistryEvents.js';
import type { OutcomeEvent } from '../../../src/domain/outcomeEvent.js';
import { parsePipeline } from '../../../src/domain/pipeline.js';
import type { RegistryEvent } from '../../../src/domain/registryEvents.js';
import type { PromotionMessage } from '../../../src/domain/promotionMessage.js';
import { MemoryBuildLedger } from '../../support/memoryBuildLedger.js';
import { MemoryCopier } from '../../support/memoryCopier.js';
import { MemoryPromotionLedger } from '../../support/memoryPromotionLedger.js';
import { MemoryRegistry } from '../../support/memoryRegistry.js';
import { MemoryCheckLedger } from '../../support/memoryCheckLedger.js';

const BUILD = 'localhost:5000';
const PROD = 'localhost:5001';
const repo = 'myapp';
const now = new Date('2026-12-01T10:00:00Z');
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** myapp's release promoted into prod/myapp of a second registry, whose events promoter gets too. */
async function promotedIntoProd() {
  const pipeline = parsePipeline({
    registries: { [PROD]: { signIn: 'anonymous' } },
    stages: [
      { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
      {
        name: 'release',
        tag: '{version}',
        immutable: true,
        latest: 'release-latest',
        approval: { required: 1 },
        registry: PROD,
        repository: 'prod/{repository}',
      },
    ],
  });
  const ledger = new MemoryBuildLedger();
  const promotions = new MemoryPromotionLedger();
  const registry = new MemoryRegistry();
  const prod = new MemoryRegistry();
  const published: OutcomeEvent[] = [];
  const sent: PromotionMessage[] = [];
  const common = {
    ledger,
    promotions,
    registry,
    pipeline,
    clock: { now: () => now },
    registryAt: () => prod,
    publisher: {
      publish: (e: OutcomeEvent) => {
        published.push(e);
        return Promise.resolve();
      },
    },
  };
  const promote: PromoteDeps = {
    ...common,
    checks: new MemoryCheckLedger(),
    buildRegistry: BUILD,
    copier: new MemoryCopier(
      new Map([
        [BUILD, registry],
        [PROD, prod],
      ]),
    ),
  };
  const push: PushDeps = {
    ...common,
    defaultRegistry: BUILD,
    approvals: {
      send: (m) => {
        sent.push(m);
        return Promise.resolve();
      },
    },
  };
  const digest = registry.add(repo, 'manifest of a1b2c3d');
  await handleRegistryEvents([event(BUILD, repo, 'git-a1b2c3d', digest, 'push-1')], push);
  for (const message of sent)
    expect(await handlePromotionMessage(message, promote)).toMatchObject({ outcome: 'promoted' });
  const release = await handlePromotionMessage(
    {
      type: 'approval',
      id: 'release-1',
      repository: repo,
      stage: 'release',
      build: { gitSha: 'a1b2c3d' },
      version: '1.2.3',
      decision: 'approve',
      approver: { id: 'alice' },
      source: 'cli',
    },
    promote,
  );
  expect(release).toMatchObject({ outcome: 'promoted', registry: PROD });
  published.length = 0;
  return { push, prod, ledger, promotions, digest, published };
}

function event(
  registry: string,
  repository: string,
  tag: string | undefined,
  digest: string,
  id: string,
): Extract<RegistryEvent, { kind: 'push' }> {
  return {
    kind: 'push',
    id,
    timestamp: now.toISOString(),
    registry,
    repository,
    digest,
    mediaType: MANIFEST,
    tag,
  };
}

describe('events from the registry a stage is promoted into', () => {
  it('about promoter’s own copy and tags are neither builds nor drift', async () => {
    const t = await promotedIntoProd();
    const buildsBefore = t.ledger.builds.size;
    const sig = `sha256-${t.digest.slice('sha256:'.length)}.sig`;
    const reports = await handleRegistryEvents(
      [
        event(PROD, 'prod/myapp', undefined, t.digest, 'p1'),
        event(PROD, 'prod/myapp', '1.2.3', t.digest, 'p2'),
        event(PROD, 'prod/myapp', 'release-latest', t.digest, 'p3'),
        event(PROD, 'prod/myapp', sig, t.digest, 'p4'),
        event(PROD, 'prod/myapp', 'git-a1b2c3d', t.digest, 'p5'),
      ],
      t.push,
    );
    expect(reports.map((r) => r.result.outcome)).toEqual([
      'ignored',
      'stage-tag',
      'stage-tag',
      'ignored',
      'ignored',
    ]);
    expect(reports[1]?.result.reason).toContain("promoter's own write");
    expect(reports[2]?.result.reason).toContain("promoter's own write");
    expect(reports.some((r) => r.promotionRequested !== undefined)).toBe(false);
    expect(t.ledger.builds.size).toBe(buildsBefore);
    expect(t.published).toEqual([]);
  });

  it('someone else moving the stage’s floating tag there is drift of that stage', async () => {
    const t = await promotedIntoProd();
    const other = t.prod.add('prod/myapp', 'someone else’s image');
    t.prod.setTag('prod/myapp', 'release-latest', other);
    const [report] = await handleRegistryEvents(
      [{ ...event(PROD, 'prod/myapp', 'release-latest', other, 'm1'), pushedBy: 'mallory' }],
      t.push,
    );
    expect(report?.result).toMatchObject({ outcome: 'drift', stage: 'release' });
    expect(t.published).toMatchObject([
      { outcome: 'drift', repository: 'myapp', stage: 'release', digest: other },
    ]);
  });
});
