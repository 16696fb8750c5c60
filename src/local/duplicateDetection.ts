/**
 * Service Bus duplicate detection for the local stand-ins: a message id seen within the
 * window is a duplicate. Ids are remembered in arrival order, so the expired ones are always
 * at the front and are dropped from there.
 */
export class DuplicateDetection {
  /** Message id → when it leaves the window (ms), oldest first. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True when `messageId` was seen within the window; otherwise remembers it from `nowMs`. */
  isDuplicate(messageId: string, nowMs: number): boolean {
    for (const [id, expires] of this.seen) {
      if (expires > nowMs) break;
      this.seen.delete(id);
    }
    if (this.seen.has(messageId)) return true;
    this.seen.set(messageId, nowMs + this.windowMs);
    return false;
  }
}
