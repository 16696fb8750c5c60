import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { createTablesReplayGuard } from '../../src/adapters/tables/tablesReplayGuard.js';

function guard() {
  const client = createTablesClient({
    connectionString: inject('tablesConnectionString'),
    tableName: `r${randomUUID().replaceAll('-', '').slice(0, 20)}`,
  });
  return createTablesReplayGuard({ client });
}

const inAMinute = () => new Date(Date.now() + 60_000);

describe('Tables replay guard', () => {
  it('accepts an id once and refuses it again', async () => {
    const g = guard();
    expect(await g.claim('teams', 'activity-1', inAMinute())).toBe(true);
    expect(await g.claim('teams', 'activity-1', inAMinute())).toBe(false);
    expect(await g.claim('slack', 'activity-1', inAMinute())).toBe(true);
  });

  it('lets exactly one of many concurrent claims of one id through', async () => {
    const g = guard();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => g.claim('hmac', 'sig/with?odd#chars', inAMinute())),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('accepts an id again once its claim has expired', async () => {
    const g = guard();
    expect(await g.claim('hmac', 'x', new Date(Date.now() - 1000))).toBe(true);
    expect(await g.claim('hmac', 'x', inAMinute())).toBe(true);
    expect(await g.claim('hmac', 'x', inAMinute())).toBe(false);
  });
});
