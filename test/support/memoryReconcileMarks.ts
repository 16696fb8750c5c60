import type { ReconcileMark, ReconcileMarks } from '../../src/ports/reconcileMarks.js';

/** In-memory reconciler marks; same contract as the Tables ones (test/contracts). */
export class MemoryReconcileMarks implements ReconcileMarks {
  readonly marks = new Map<string, ReconcileMark>();

  readAll(): Promise<ReadonlyMap<string, ReconcileMark>> {
    return Promise.resolve(new Map(this.marks));
  }

  write(repository: string, mark: ReconcileMark): Promise<void> {
    this.marks.set(repository, { ...mark });
    return Promise.resolve();
  }
}
