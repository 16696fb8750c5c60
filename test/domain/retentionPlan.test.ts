import { describe, expect, it } from 'vitest';
import type { Build } from '../../src/domain/build.js';
import { durationOfDays, parseDuration, type Duration } from '../../src/domain/duration.js';
import { defaultPipeline } from '../../src/domain/pipeline.js';
import type { Promotion, StageHead } from '../../src/domain/promotion.js';
import { judgeBuild, planRetention } from '../../src/domain/retentionPlan.js';

const NOW = new Date('2026-11-27T10:00:00.000Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString();
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const THIRTY_DAYS = durationOfDays(30);

function duration(text: string): Duration {
  const parsed = parseDuration(text);
  if (parsed === undefined) throw new Error(`${text} is not a duration`);
  return parsed;
}

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const D = digest('d');

function build(recordedDaysAgo: number, extra: Partial<Build> = {}): Build {
  return {
    repository: 'myapp',
    digest: D,
    gitShas: ['a1b2c3d'],
    tags: ['git-a1b2c3d'],
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    registry: 'localhost:5000',
    recordedAt: daysAgo(recordedDaysAgo),
    ...extra,
  };
}

function promotion(
  stage: string,
  status: Promotion['status'],
  extra: Partial<Promotion> = {},
): Promotion {
  return {
    repository: 'myapp',
    stage,
    digest: D,
    status,
    tags: [],
    approvals: [],
    createdAt: daysAgo(40),
    updatedAt: daysAgo(40),
    ...extra,
  };
}

function head(stage: string, tags: string[], extra: Partial<StageHead> = {}): StageHead {
  return { stage, digest: D, tags, promotedAt: daysAgo(40), ...extra };
}

const devPromoted = promotion('dev', 'promoted', { tags: ['dev-latest'] });

interface Case {
  readonly name: string;
  /** 30 days unless given. */
  readonly age?: Duration;
  readonly build: Build;
  readonly promotions?: readonly Promotion[];
  readonly heads?: Record<string, StageHead>;
  readonly expected: { kind: 'delete'; reason: string } | { kind: 'keep'; reasons: string[] };
}

const cases: Case[] = [
  {
    name: 'an old build that only ever was in dev goes',
    build: build(31),
    promotions: [devPromoted],
    expected: {
      kind: 'delete',
      reason: 'older than 30 days (recorded 2026-10-27), never past dev',
    },
  },
  {
    name: 'an old build with no promotion at all goes',
    build: build(400),
    expected: {
      kind: 'delete',
      reason: 'older than 30 days (recorded 2025-10-23), never past dev',
    },
  },
  {
    name: 'a build exactly 30 days old stays',
    build: build(30),
    promotions: [devPromoted],
    expected: { kind: 'keep', reasons: ['newer than 30 days'] },
  },
  {
    name: 'a new build stays',
    build: build(2),
    expected: { kind: 'keep', reasons: ['newer than 30 days'] },
  },
  {
    name: 'the dev head stays, however old',
    build: build(90),
    promotions: [devPromoted],
    heads: { dev: head('dev', ['dev-latest']) },
    expected: { kind: 'keep', reasons: ['dev head (dev-latest)'] },
  },
  {
    name: 'an rc stays',
    build: build(90),
    promotions: [
      devPromoted,
      promotion('rc', 'promoted', { version: '1.2.3', tags: ['1.2.3-rc1'], n: 1 }),
    ],
    expected: { kind: 'keep', reasons: ['rc 1.2.3-rc1'] },
  },
  {
    name: 'a release that is the release head says so once',
    build: build(90),
    promotions: [
      promotion('rc', 'promoted', { version: '1.2.3', tags: ['1.2.3-rc1'] }),
      promotion('release', 'promoted', { version: '1.2.3', tags: ['1.2.3', 'release-latest'] }),
    ],
    heads: {
      rc: head('rc', ['1.2.3-rc1'], { version: '1.2.3' }),
      release: head('release', ['1.2.3', 'release-latest'], { version: '1.2.3' }),
    },
    expected: {
      kind: 'keep',
      reasons: ['rc head (1.2.3-rc1)', 'release head (1.2.3, release-latest)'],
    },
  },
  {
    name: 'a release no longer at the head stays',
    build: build(90),
    promotions: [promotion('release', 'promoted', { version: '1.2.3', tags: ['1.2.3'] })],
    expected: { kind: 'keep', reasons: ['release 1.2.3'] },
  },
  {
    name: 'a build waiting for rc approval stays',
    build: build(90),
    promotions: [devPromoted, promotion('rc', 'pending', { version: '1.2.4' })],
    expected: { kind: 'keep', reasons: ['pending approval for rc 1.2.4'] },
  },
  {
    name: 'a build being promoted stays',
    build: build(90),
    promotions: [promotion('rc', 'promoting', { version: '1.2.4', tags: ['1.2.4-rc1'] })],
    expected: { kind: 'keep', reasons: ['being promoted to rc 1.2.4'] },
  },
  {
    name: 'a build once proposed for rc and rejected stays (any later-stage promotion keeps it)',
    build: build(90),
    promotions: [promotion('rc', 'rejected', { version: '1.2.4', reason: 'no' })],
    expected: { kind: 'keep', reasons: ['proposed for rc 1.2.4 (rejected)'] },
  },
  {
    name: 'a pinned head stays and says who pinned it',
    build: build(90),
    heads: {
      dev: head('dev', ['dev-latest'], {
        pinned: { by: 'alice', at: daysAgo(1), reason: 'bad build', messageId: 'm-1' },
      }),
    },
    expected: { kind: 'keep', reasons: ['dev head (dev-latest), pinned by alice'] },
  },
  {
    name: 'a deleted build stays deleted and is not deleted again',
    build: build(90, { deletedAt: daysAgo(10) }),
    expected: { kind: 'keep', reasons: ['already deleted'] },
  },
  {
    name: 'every reason that holds is given',
    build: build(3),
    promotions: [promotion('rc', 'pending', { version: '1.3.0' })],
    heads: { dev: head('dev', ['dev-latest']) },
    expected: {
      kind: 'keep',
      reasons: ['dev head (dev-latest)', 'pending approval for rc 1.3.0', 'newer than 30 days'],
    },
  },
  {
    name: 'a build whose recording time cannot be read stays',
    build: build(0, { recordedAt: 'yesterday' }),
    expected: { kind: 'keep', reasons: ['unknown age (recorded "yesterday")'] },
  },
  {
    name: 'a build whose dev promotion is still running stays, however old',
    build: build(90),
    promotions: [promotion('dev', 'promoting', { tags: ['dev-latest'] })],
    expected: { kind: 'keep', reasons: ['being promoted to dev'] },
  },
];

/** Ages in minutes and hours, as an operator's `olderThan` gives them. */
const shortAges: Case[] = [
  {
    name: 'with 10m, a build pushed 11 minutes ago that is only in dev goes, at the minute',
    age: duration('10m'),
    build: build(0, { recordedAt: minutesAgo(11) }),
    promotions: [devPromoted],
    expected: {
      kind: 'delete',
      reason: 'older than 10 minutes (recorded 2026-11-27 09:49Z), never past dev',
    },
  },
  {
    name: 'with 10m, a build pushed 5 minutes ago stays',
    age: duration('10m'),
    build: build(0, { recordedAt: minutesAgo(5) }),
    promotions: [devPromoted],
    expected: { kind: 'keep', reasons: ['newer than 10 minutes'] },
  },
  {
    name: 'with 10m, a build exactly 10 minutes old stays',
    age: duration('10m'),
    build: build(0, { recordedAt: minutesAgo(10) }),
    expected: { kind: 'keep', reasons: ['newer than 10 minutes'] },
  },
  {
    name: 'with 1m, the age reads in the singular',
    age: duration('1m'),
    build: build(0, { recordedAt: minutesAgo(0.5) }),
    expected: { kind: 'keep', reasons: ['newer than 1 minute'] },
  },
  {
    name: 'with 12h, a build pushed 13 hours ago goes',
    age: duration('12h'),
    build: build(0, { recordedAt: minutesAgo(13 * 60) }),
    expected: {
      kind: 'delete',
      reason: 'older than 12 hours (recorded 2026-11-26 21:00Z), never past dev',
    },
  },
  {
    name: 'with 1h, a build pushed 59 minutes ago stays',
    age: duration('1h'),
    build: build(0, { recordedAt: minutesAgo(59) }),
    expected: { kind: 'keep', reasons: ['newer than 1 hour'] },
  },
  {
    name: 'with 7d given as a duration, the reason reads as with the setting',
    age: duration('7d'),
    build: build(8),
    expected: { kind: 'delete', reason: 'older than 7 days (recorded 2026-11-19), never past dev' },
  },
  {
    name: 'with 1m, the dev head stays',
    age: duration('1m'),
    build: build(0, { recordedAt: minutesAgo(30) }),
    promotions: [devPromoted],
    heads: { dev: head('dev', ['dev-latest']) },
    expected: { kind: 'keep', reasons: ['dev head (dev-latest)'] },
  },
];

/**
 * A build just pushed gets its automatic dev promotion; with a short age it could be older than
 * the age before that promotion is done. While it is in flight, the build stays.
 */
const inFlight: Case[] = [
  {
    name: 'a build whose dev promotion is being written stays',
    age: duration('1m'),
    build: build(0, { recordedAt: minutesAgo(2) }),
    promotions: [promotion('dev', 'promoting', { tags: ['dev-latest'] })],
    expected: { kind: 'keep', reasons: ['being promoted to dev'] },
  },
  {
    name: 'a build whose dev promotion waits for approval stays',
    age: duration('1m'),
    build: build(0, { recordedAt: minutesAgo(2) }),
    promotions: [promotion('dev', 'pending')],
    expected: { kind: 'keep', reasons: ['pending approval for dev'] },
  },
  {
    name: 'a build in flight to dev and proposed for rc gives both reasons',
    age: duration('1m'),
    build: build(0, { recordedAt: minutesAgo(2) }),
    promotions: [
      promotion('dev', 'promoting', { tags: ['dev-latest'] }),
      promotion('rc', 'pending', { version: '1.4.0' }),
    ],
    expected: {
      kind: 'keep',
      reasons: ['being promoted to dev', 'pending approval for rc 1.4.0'],
    },
  },
  {
    name: 'a build whose dev promotion is done, and no longer the dev head, goes',
    age: duration('1m'),
    build: build(0, { recordedAt: minutesAgo(2) }),
    promotions: [devPromoted],
    expected: {
      kind: 'delete',
      reason: 'older than 1 minute (recorded 2026-11-27 09:58Z), never past dev',
    },
  },
  {
    name: 'a build whose dev promotion was rejected goes (nothing is running)',
    age: duration('1m'),
    build: build(0, { recordedAt: minutesAgo(2) }),
    promotions: [promotion('dev', 'rejected', { reason: 'no' })],
    expected: {
      kind: 'delete',
      reason: 'older than 1 minute (recorded 2026-11-27 09:58Z), never past dev',
    },
  },
  {
    name: 'another digest’s dev promotion in flight does not keep this build',
    age: duration('1m'),
    build: build(0, { recordedAt: minutesAgo(2) }),
    promotions: [promotion('dev', 'promoting', { digest: digest('e'), tags: ['dev-latest'] })],
    expected: {
      kind: 'delete',
      reason: 'older than 1 minute (recorded 2026-11-27 09:58Z), never past dev',
    },
  },
];

describe('the retention planner', () => {
  it.each([...cases, ...shortAges, ...inFlight])('$name', (c) => {
    const { build: b, promotions = [], heads = {}, age = THIRTY_DAYS, expected } = c;
    const verdict = judgeBuild(b, { promotions, heads, firstStage: 'dev', now: NOW, age });
    expect(
      verdict.kind === 'delete'
        ? { kind: verdict.kind, reason: verdict.reason }
        : { kind: verdict.kind, reasons: verdict.reasons },
    ).toEqual(expected);
  });

  it('plans a whole repository in the ledger’s order, reading each digest’s own promotions and heads', () => {
    const old = build(60, { digest: digest('1') });
    const rc = build(60, { digest: digest('2') });
    const devHead = build(45, { digest: digest('3') });
    const fresh = build(1, { digest: digest('4') });
    const plan = planRetention({
      builds: [fresh, devHead, rc, old],
      promotions: [
        promotion('dev', 'promoted', { digest: old.digest, tags: ['dev-latest'] }),
        promotion('rc', 'promoted', { digest: rc.digest, version: '2.0.0', tags: ['2.0.0-rc3'] }),
      ],
      heads: { dev: head('dev', ['dev-latest'], { digest: devHead.digest }) },
      pipeline: defaultPipeline(),
      now: NOW,
      age: THIRTY_DAYS,
    });
    expect(
      plan.verdicts.map((v) => [v.build.digest, v.kind === 'delete' ? v.reason : v.reasons]),
    ).toEqual([
      [fresh.digest, ['newer than 30 days']],
      [devHead.digest, ['dev head (dev-latest)']],
      [rc.digest, ['rc 2.0.0-rc3']],
      [old.digest, 'older than 30 days (recorded 2026-09-28), never past dev'],
    ]);
  });

  it('counts the first stage of the pipeline it is given, whatever its name', () => {
    const pipeline = {
      stages: [{ name: 'test' }, { name: 'prod' }] as unknown as ReturnType<
        typeof defaultPipeline
      >['stages'],
    };
    const plan = planRetention({
      builds: [build(60)],
      promotions: [promotion('test', 'promoted', { tags: ['test-latest'] })],
      heads: {},
      pipeline,
      now: NOW,
      age: durationOfDays(7),
    });
    expect(plan.verdicts[0]).toMatchObject({
      kind: 'delete',
      reason: 'older than 7 days (recorded 2026-09-28), never past test',
    });
  });
});
