import type { PromotionLedger } from '../ports/promotionLedger.js';

/** A wait for one message's outcome, made before the ledger is read (see `OutcomeSignal`). */
export interface OutcomeWatch {
  /** Resolves when this process records an outcome for the message; never rejects. */
  readonly recorded: Promise<void>;
  /** Stops watching (the resolve is dropped; `recorded` then never settles). */
  cancel(): void;
}

const keyOf = (repository: string, messageId: string): string => `${repository}\u0000${messageId}`;

/**
 * Tells waiters in this process that an outcome was recorded here, so that
 * `GET …/outcomes/{messageId}?wait=` answers at once instead of at its next ledger read. It is
 * only a shortcut: the outcome may be recorded by another instance (in Azure, any instance of
 * the Function App may run the `promotions` trigger), so a waiter always reads the ledger too.
 */
export class OutcomeSignal {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Starts watching for `messageId`'s outcome; watch before reading the ledger, or one is missed. */
  watch(repository: string, messageId: string): OutcomeWatch {
    const key = keyOf(repository, messageId);
    let wake: (() => void) | undefined;
    const recorded = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const set = this.waiters.get(key) ?? new Set<() => void>();
    const entry = () => {
      wake?.();
    };
    set.add(entry);
    this.waiters.set(key, set);
    return {
      recorded,
      cancel: () => {
        set.delete(entry);
        if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
      },
    };
  }

  /** An outcome for `messageId` was recorded in this process: wakes its watchers. */
  notify(repository: string, messageId: string): void {
    const key = keyOf(repository, messageId);
    const set = this.waiters.get(key);
    if (set === undefined) return;
    this.waiters.delete(key);
    for (const wake of set) wake();
  }

  /** How many messages are being watched (for tests: a finished wait leaves none). */
  get watched(): number {
    return this.waiters.size;
  }
}

/**
 * `ledger`, telling `signal` of every outcome it records: a commit with an outcome, and a
 * history entry appended. Every other method (and any the port gains) passes straight through.
 */
export function signallingOutcomes(
  ledger: PromotionLedger,
  signal: OutcomeSignal,
): PromotionLedger {
  const appendHistory: PromotionLedger['appendHistory'] = async (repository, event) => {
    const result = await ledger.appendHistory(repository, event);
    if (result.kind === 'recorded') signal.notify(repository, event.messageId);
    return result;
  };
  const commit: PromotionLedger['commit'] = async (repository, change) => {
    const result = await ledger.commit(repository, change);
    if (result.kind === 'committed' && change.outcome !== undefined)
      signal.notify(repository, change.outcome.messageId);
    return result;
  };
  return new Proxy(ledger, {
    get(target, property) {
      if (property === 'appendHistory') return appendHistory;
      if (property === 'commit') return commit;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}
