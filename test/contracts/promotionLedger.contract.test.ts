import { createTablesPromotionLedger } from '../../src/adapters/tables/tablesPromotionLedger.js';
import { MemoryPromotionLedger } from '../support/memoryPromotionLedger.js';
import { freshTablesClient } from './freshTable.js';
import { promotionLedgerContract } from './promotionLedgerContract.js';

promotionLedgerContract('MemoryPromotionLedger (test/support)', () => new MemoryPromotionLedger());

promotionLedgerContract('Tables promotion ledger on Azurite', () =>
  createTablesPromotionLedger({ client: freshTablesClient('promotions') }),
);
