import { describe, expect, it } from 'vitest';
import { formatRetention } from '../../src/cli/formatRetention.js';
import type { RetentionAnswer } from '../../src/cli/retentionAnswer.js';

const build = (c: string, recordedAt: string) => ({
  digest: `sha256:${c.repeat(64)}`,
  gitShas: [c.repeat(40)],
  tags: [`git-${c.repeat(7)}`],
  recordedAt,
});

const report: RetentionAnswer = {
  dryRun: false,
  age: { ms: 30 * 86_400_000, label: '30 days' },
  at: '2026-11-27T10:00:00.000Z',
  repositories: [
    {
      repository: 'myapp',
      deleted: [
        {
          ...build('a', '2026-09-01T10:00:00Z'),
          reason: 'older than 30 days (recorded 2026-09-01), never past dev',
        },
      ],
      failed: [
        {
          ...build('f', '2026-09-02T10:00:00Z'),
          reason: 'older than 30 days (recorded 2026-09-02), never past dev',
          error: 'deleting myapp@sha256:ff…: registry unavailable: HTTP 503',
        },
      ],
      kept: [
        { ...build('b', '2026-09-01T11:00:00Z'), reasons: ['rc 1.2.3-rc1'] },
        { ...build('d', '2026-11-21T11:00:00Z'), reasons: ['newer than 30 days'] },
        { ...build('e', '2026-11-22T11:00:00Z'), reasons: ['newer than 30 days'] },
      ],
    },
    {
      repository: 'team/broken',
      deleted: [],
      failed: [],
      kept: [],
      error: 'listing builds of team/broken: ledger unavailable',
    },
  ],
};

describe('formatRetention', () => {
  it('shows what went, what failed, why notable survivors stay, and counts the merely new', () => {
    expect(formatRetention(report, { all: false })).toBe(
      [
        'retention: builds recorded before 2026-10-28 10:00:00Z (older than 30 days) go unless a stage uses them',
        '',
        'myapp',
        'ACTION   DIGEST               GIT SHA  RECORDED              WHY',
        'deleted  sha256:aaaaaaaaaaaa  aaaaaaa  2026-09-01 10:00:00Z  older than 30 days (recorded 2026-09-01), never past dev',
        'FAILED   sha256:ffffffffffff  fffffff  2026-09-02 10:00:00Z  deleting myapp@sha256:ff…: registry unavailable: HTTP 503',
        'kept     sha256:bbbbbbbbbbbb  bbbbbbb  2026-09-01 11:00:00Z  rc 1.2.3-rc1',
        'and 2 builds kept: newer than 30 days',
        '',
        'team/broken: could not be read: listing builds of team/broken: ledger unavailable',
        '',
        'deleted 1 build in 2 repositories, each recorded in the ledger and its history',
        '1 build could not be deleted (FAILED above); the next run tries again',
        '1 repository could not be read; the next run tries again',
      ].join('\n'),
    );
  });

  it('states an age in minutes as the report gives it, with the cutoff to the second', () => {
    const text = formatRetention(
      {
        ...report,
        dryRun: true,
        age: { ms: 600_000, label: '10 minutes' },
        repositories: [
          {
            repository: 'myapp',
            deleted: [
              {
                ...build('a', '2026-11-27T09:45:00Z'),
                reason: 'older than 10 minutes (recorded 2026-11-27 09:45Z), never past dev',
              },
            ],
            failed: [],
            kept: [{ ...build('b', '2026-11-27T09:58:00Z'), reasons: ['being promoted to dev'] }],
          },
        ],
      },
      { all: false },
    );
    expect(text.split('\n')).toEqual([
      'retention: builds recorded before 2026-11-27 09:50:00Z (older than 10 minutes) go unless a stage uses them',
      '',
      'myapp',
      'ACTION        DIGEST               GIT SHA  RECORDED              WHY',
      'would delete  sha256:aaaaaaaaaaaa  aaaaaaa  2026-11-27 09:45:00Z  older than 10 minutes (recorded 2026-11-27 09:45Z), never past dev',
      'kept          sha256:bbbbbbbbbbbb  bbbbbbb  2026-11-27 09:58:00Z  being promoted to dev',
      '',
      'dry run: 1 build would be deleted in 1 repository; nothing was deleted (run it without --dry-run to delete them)',
    ]);
  });

  it('lists every survivor with --all', () => {
    const text = formatRetention(report, { all: true });
    expect(text).not.toContain('builds kept: newer than 30 days');
    expect(text).toContain(
      'kept     sha256:dddddddddddd  ddddddd  2026-11-21 11:00:00Z  newer than 30 days',
    );
  });

  it('says so when there is nothing to look at', () => {
    expect(
      formatRetention({ ...report, dryRun: true, repositories: [] }, { all: false }),
    ).toContain('no repositories recorded');
    const empty = formatRetention(
      {
        ...report,
        dryRun: true,
        repositories: [{ repository: 'myapp', deleted: [], failed: [], kept: [] }],
      },
      { all: false },
    );
    expect(empty).toContain('myapp\nno builds recorded');
    expect(empty).toContain(
      'dry run: 0 builds would be deleted in 1 repository; nothing was deleted',
    );
  });
});
