import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/domain/checkResult.js';
import type { CheckLedger } from '../../src/ports/checkLedger.js';
import { uniqueId } from './samples.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

function result(fields: Partial<CheckResult> = {}): CheckResult {
  return {
    repository: 'team/app',
    digest: digest('a'),
    name: 'trivy',
    conclusion: 'success',
    reporter: 'ci:scan',
    at: '2026-03-02T10:00:00.000Z',
    messageId: uniqueId('check'),
    ...fields,
  };
}

/**
 * What every `CheckLedger` does (src/ports/checkLedger.ts), for the in-memory fake and the
 * Tables adapter. `makeLedger` gives an empty ledger.
 */
export function checkLedgerContract(name: string, makeLedger: () => CheckLedger): void {
  describe(`CheckLedger contract: ${name}`, () => {
    it('keeps the latest result of each check on a digest, with what it said', async () => {
      const ledger = makeLedger();
      const failed = result({
        conclusion: 'failure',
        detailsUrl: 'https://ci.example/run/1',
        summary: '2 critical vulnerabilities',
      });
      expect(await ledger.recordCheck(failed)).toEqual({ kind: 'recorded' });
      expect(await ledger.listChecks('team/app', digest('a'))).toEqual([failed]);
      const passed = result({ at: '2026-03-02T11:00:00.000Z' });
      expect(await ledger.recordCheck(passed)).toEqual({ kind: 'recorded' });
      expect(await ledger.listChecks('team/app', digest('a'))).toEqual([passed]);
    });

    it('counts a redelivered message once, and ignores a result older than the recorded one', async () => {
      const ledger = makeLedger();
      const passed = result({ at: '2026-03-02T11:00:00.000Z' });
      await ledger.recordCheck(passed);
      expect(await ledger.recordCheck(passed)).toEqual({ kind: 'duplicate' });
      const older = result({ conclusion: 'failure', at: '2026-03-02T09:00:00.000Z' });
      expect(await ledger.recordCheck(older)).toEqual({ kind: 'stale' });
      expect(await ledger.listChecks('team/app', digest('a'))).toEqual([passed]);
    });

    it('keeps digests, repositories and check names apart, names in order', async () => {
      const ledger = makeLedger();
      const e2e = result({ name: 'e2e' });
      const trivy = result({ name: 'trivy' });
      const other = result({ digest: digest('b') });
      const elsewhere = result({ repository: 'team/other' });
      for (const r of [trivy, e2e, other, elsewhere]) await ledger.recordCheck(r);
      expect(await ledger.listChecks('team/app', digest('a'))).toEqual([e2e, trivy]);
      expect(await ledger.listChecks('team/app', digest('b'))).toEqual([other]);
      expect(await ledger.listChecks('team/other', digest('a'))).toEqual([elsewhere]);
      expect(await ledger.listChecks('team/app', digest('c'))).toEqual([]);
    });

    it('of two results racing on one check, keeps the later one', async () => {
      const ledger = makeLedger();
      const early = result({ conclusion: 'failure', at: '2026-03-02T09:00:00.000Z' });
      const late = result({ at: '2026-03-02T12:00:00.000Z' });
      await Promise.all([ledger.recordCheck(late), ledger.recordCheck(early)]);
      expect(await ledger.listChecks('team/app', digest('a'))).toEqual([late]);
    });
  });
}
