import { createTablesBuildLedger } from '../../src/adapters/tables/tablesBuildLedger.js';
import { MemoryBuildLedger } from '../support/memoryBuildLedger.js';
import { buildLedgerContract } from './buildLedgerContract.js';
import { freshTablesClient } from './freshTable.js';

buildLedgerContract('MemoryBuildLedger (test/support)', () => new MemoryBuildLedger());

buildLedgerContract('Tables build ledger on Azurite', () =>
  createTablesBuildLedger({ client: freshTablesClient('builds') }),
);
