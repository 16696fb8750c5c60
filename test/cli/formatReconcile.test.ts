import { describe, expect, it } from 'vitest';
import { formatReconcile } from '../../src/cli/formatReconcile.js';
import type { ReconcileAnswer } from '../../src/cli/reconcileAnswer.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

const report = (dryRun: boolean): ReconcileAnswer => ({
  dryRun,
  at: '2026-11-27T10:00:00.000Z',
  scope: '**',
  repositories: [
    {
      repository: 'myapp',
      sweep: 'full',
      tagsListed: 12,
      actions: [
        {
          kind: 'build-recorded',
          tag: 'git-a1b2c3d',
          digest: digest('a'),
          reason: 'recorded: no registry event reported git-a1b2c3d; who pushed it is unknown',
        },
        {
          kind: 'tag-missing',
          tag: '1.2.3',
          digest: digest('b'),
          restored: true,
          reason: '1.2.3 was missing from the registry; promoter wrote it back',
        },
      ],
      failed: [{ action: 'checking myapp:dev-latest', error: 'HTTP 403' }],
    },
    { repository: 'quiet', sweep: 'full', tagsListed: 3, actions: [], failed: [] },
    {
      repository: 'team/broken',
      sweep: 'full',
      tagsListed: 0,
      actions: [],
      failed: [],
      error: 'listing the tags of team/broken: HTTP 401',
    },
  ],
  cost: { registryRequests: 7, ledgerRequests: 11, ms: 42 },
});

describe('formatReconcile', () => {
  it('shows what was done and failed per repository, leaves quiet repositories out, and ends with the cost', () => {
    expect(formatReconcile(report(false))).toBe(
      [
        'reconcile: registry compared with the ledger in 3 repositories (**)',
        '',
        'myapp',
        'ACTION              TAG          DIGEST               WHY',
        'recorded            git-a1b2c3d  sha256:aaaaaaaaaaaa  recorded: no registry event reported git-a1b2c3d; who pushed it is unknown',
        'missing (restored)  1.2.3        sha256:bbbbbbbbbbbb  1.2.3 was missing from the registry; promoter wrote it back',
        'FAILED              -            -                    checking myapp:dev-latest: HTTP 403',
        '',
        'team/broken: could not be compared: listing the tags of team/broken: HTTP 401',
        '',
        '2 actions taken, each recorded in the history (reason "reconciled")',
        'cost: 7 registry and 11 ledger requests, 42 ms',
        '2 failures (FAILED above); the next run tries again',
      ].join('\n'),
    );
  });

  it('says what a dry run would do and that nothing changed', () => {
    const text = formatReconcile(report(true));
    expect(text).toMatch(/\nwould record +git-a1b2c3d /);
    expect(text).toContain('dry run: 2 actions listed; nothing was changed');
  });
});

describe('formatReconcile with a stage kept in another registry', () => {
  it('heads the tags compared there with where they are, and counts the repository once', () => {
    const text = formatReconcile({
      ...report(false),
      repositories: [
        { repository: 'myapp', sweep: 'full', tagsListed: 4, actions: [], failed: [] },
        {
          repository: 'myapp',
          location: 'prodacr.azurecr.io/prod/myapp',
          sweep: 'full',
          tagsListed: 2,
          actions: [
            {
              kind: 'drift',
              tag: 'release-latest',
              digest: digest('c'),
              restored: true,
              reason:
                'prodacr.azurecr.io/prod/myapp:release-latest was moved from the promoted … to …; promoter put it back',
            },
          ],
          failed: [],
        },
      ],
    });
    expect(text).toContain(
      'reconcile: registry compared with the ledger in 1 repository and 1 stage place elsewhere (**)',
    );
    expect(text).toMatch(/\nmyapp \(in prodacr\.azurecr\.io\/prod\/myapp\)\nACTION +TAG/);
    expect(text).toMatch(/\ndrift \(restored\) +release-latest +sha256:cccccccccccc/);
  });
});
