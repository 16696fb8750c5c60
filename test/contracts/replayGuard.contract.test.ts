import { createTablesReplayGuard } from '../../src/adapters/tables/tablesReplayGuard.js';
import { MemoryReplayGuard } from '../support/memoryReplayGuard.js';
import { freshTablesClient } from './freshTable.js';
import { replayGuardContract } from './replayGuardContract.js';

replayGuardContract('MemoryReplayGuard (test/support)', () => new MemoryReplayGuard());

replayGuardContract('Tables replay guard on Azurite', () =>
  createTablesReplayGuard({ client: freshTablesClient('replays') }),
);
