import { createTablesBuildLedger } from '../../src/adapters/tables/tablesBuildLedger.js';
import { createTablesMarkerSweep } from '../../src/adapters/tables/tablesMarkerSweep.js';
import { createTablesReplayGuard } from '../../src/adapters/tables/tablesReplayGuard.js';
import { MemoryBuildLedger } from '../support/memoryBuildLedger.js';
import { MemoryMarkerSweep } from '../support/memoryMarkerSweep.js';
import { MemoryReplayGuard } from '../support/memoryReplayGuard.js';
import { freshTablesClient } from './freshTable.js';
import { markerSweepContract } from './markerSweepContract.js';

markerSweepContract('MemoryMarkerSweep (test/support)', () => {
  const ledger = new MemoryBuildLedger();
  const replays = new MemoryReplayGuard();
  return { ledger, replays, sweeps: new MemoryMarkerSweep({ ledger, replays }) };
});

markerSweepContract('Tables marker sweep on Azurite', () => {
  const builds = freshTablesClient('builds');
  const replays = freshTablesClient('replays');
  return {
    ledger: createTablesBuildLedger({ client: builds }),
    replays: createTablesReplayGuard({ client: replays }),
    sweeps: createTablesMarkerSweep({ builds, replays }),
  };
});
