import { describe, expect, it } from 'vitest';
import type { ReplayGuard } from '../../src/ports/replayGuard.js';
import { uniqueId } from './samples.js';

const inAMinute = () => new Date(Date.now() + 60_000);
const aSecondAgo = () => new Date(Date.now() - 1000);

/**
 * What every `ReplayGuard` does (src/ports/replayGuard.ts), stated once for the in-memory fake
 * and the Tables adapter. `makeGuard` gives a guard on the real clock that has seen nothing.
 */
export function replayGuardContract(name: string, makeGuard: () => ReplayGuard): void {
  describe(`ReplayGuard contract: ${name}`, () => {
    it('claims an id once: true the first time, false for a replay', async () => {
      const guard = makeGuard();
      const id = uniqueId('activity');

      expect(await guard.claim('teams', id, inAMinute())).toBe(true);
      expect(await guard.claim('teams', id, inAMinute())).toBe(false);
      expect(await guard.claim('teams', id, inAMinute())).toBe(false);
    });

    it('keeps scopes and ids apart, even when one contains what the other lacks', async () => {
      const guard = makeGuard();

      expect(await guard.claim('teams', 'a', inAMinute())).toBe(true);
      expect(await guard.claim('slack', 'a', inAMinute())).toBe(true);
      expect(await guard.claim('teams', 'b', inAMinute())).toBe(true);
      expect(await guard.claim('a|b', 'c', inAMinute())).toBe(true);
      expect(await guard.claim('a', 'b|c', inAMinute())).toBe(true);
      expect(await guard.claim('teams', 'a', inAMinute())).toBe(false);
      expect(await guard.claim('a|b', 'c', inAMinute())).toBe(false);
    });

    it('lets exactly one of ten concurrent claims of one id through', async () => {
      const guard = makeGuard();
      const id = uniqueId('signature');

      const results = await Promise.all(
        Array.from({ length: 10 }, () => guard.claim('approvals', id, inAMinute())),
      );

      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('lets an id be claimed again once its claim has expired, and not while the new claim lasts', async () => {
      const guard = makeGuard();
      const id = uniqueId('signature');

      expect(await guard.claim('slack', id, aSecondAgo())).toBe(true);
      expect(await guard.claim('slack', id, inAMinute())).toBe(true);
      expect(await guard.claim('slack', id, inAMinute())).toBe(false);
    });

    it('claims once each an empty id, ids with characters table keys forbid, and a very long one', async () => {
      const guard = makeGuard();
      const ids = ['', 'v0=a/b\\c#d?e', 'v0=a/b\\c#d?f', '\u0001\u007f', 'x'.repeat(2000)];

      for (const id of ids) expect(await guard.claim('slack', id, inAMinute())).toBe(true);
      for (const id of ids) expect(await guard.claim('slack', id, inAMinute())).toBe(false);
    });
  });
}
