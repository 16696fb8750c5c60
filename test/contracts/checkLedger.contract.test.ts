import { createTablesCheckLedger } from '../../src/adapters/tables/tablesCheckLedger.js';
import { MemoryCheckLedger } from '../support/memoryCheckLedger.js';
import { checkLedgerContract } from './checkLedgerContract.js';
import { freshTablesClient } from './freshTable.js';

checkLedgerContract('MemoryCheckLedger (test/support)', () => new MemoryCheckLedger());

checkLedgerContract('Tables check ledger on Azurite', () =>
  createTablesCheckLedger({ client: freshTablesClient('checks') }),
);
