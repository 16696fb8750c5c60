import type { CheckResult } from '../../src/domain/checkResult.js';
import { replacesCheck } from '../../src/domain/checkResult.js';
import type { CheckLedger } from '../../src/ports/checkLedger.js';

/** The check ledger in memory, with the contract of `CheckLedger`. */
export class MemoryCheckLedger implements CheckLedger {
  private readonly rows = new Map<string, CheckResult>();

  recordCheck(result: CheckResult): Promise<{ kind: 'recorded' | 'duplicate' | 'stale' }> {
    const key = `${result.repository}|${result.digest}|${result.name}`;
    const recorded = this.rows.get(key);
    if (recorded?.messageId === result.messageId) return Promise.resolve({ kind: 'duplicate' });
    if (!replacesCheck(recorded, result)) return Promise.resolve({ kind: 'stale' });
    this.rows.set(key, structuredClone(result));
    return Promise.resolve({ kind: 'recorded' });
  }

  listChecks(repository: string, digest: string): Promise<readonly CheckResult[]> {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((r) => r.repository === repository && r.digest === digest)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((r) => structuredClone(r)),
    );
  }
}
