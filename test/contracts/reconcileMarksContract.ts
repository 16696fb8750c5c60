import { describe, expect, it } from 'vitest';
import type { ReconcileMarks } from '../../src/ports/reconcileMarks.js';

/** What every `ReconcileMarks` does (src/ports/reconcileMarks.ts); each test gets a fresh store. */
export function reconcileMarksContract(name: string, create: () => ReconcileMarks): void {
  describe(`ReconcileMarks contract: ${name}`, () => {
    it('reads nothing from an empty store', async () => {
      expect((await create().readAll()).size).toBe(0);
    });

    it('reads back every repository’s mark, nested names included, and a write replaces the whole mark', async () => {
      const marks = create();
      await marks.write('team/api', {
        listedUpTo: '2026-12-01T10:00:00.000Z',
        fullSweepAt: '2026-12-01T03:00:00.000Z',
      });
      await marks.write('web', { fullSweepAt: '2026-12-01T04:00:00.000Z' });
      await marks.write('team/api', { listedUpTo: '2026-12-01T11:00:00.000Z' });

      const read = await marks.readAll();

      expect(Object.fromEntries(read)).toEqual({
        'team/api': { listedUpTo: '2026-12-01T11:00:00.000Z' },
        web: { fullSweepAt: '2026-12-01T04:00:00.000Z' },
      });
    });
  });
}
