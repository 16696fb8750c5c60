import { createTablesReconcileMarks } from '../../src/adapters/tables/tablesReconcileMarks.js';
import { MemoryReconcileMarks } from '../support/memoryReconcileMarks.js';
import { freshTablesClient } from './freshTable.js';
import { reconcileMarksContract } from './reconcileMarksContract.js';

reconcileMarksContract('MemoryReconcileMarks (test/support)', () => new MemoryReconcileMarks());

reconcileMarksContract('Tables reconcile marks on Azurite', () =>
  createTablesReconcileMarks({ client: freshTablesClient('marks') }),
);
