import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createTablesClient } from '../../src/adapters/tables/tablesClient.js';
import { DOCTOR_PARTITION } from '../../src/adapters/tables/tablesDoctorProbe.js';
import { diagnose, type CheckReport } from '../../src/app/doctor/diagnose.js';
import { loadConfig } from '../../src/composition/config.js';
import { createDoctorProbes } from '../../src/composition/createDoctorProbes.js';
import { azuriteConnectionString } from '../../src/local/services/azurite.js';
import { freePort } from '../../src/local/services/tcpPorts.js';

/** The ledger checks of `promoter doctor`, with these settings (no registry, no Service Bus). */
async function ledgerChecks(env: Record<string, string>): Promise<CheckReport[]> {
  const config = loadConfig({ PROMOTER_WEBHOOK_SECRET: 'doctor-test-secret-0123456789', ...env });
  const report = await diagnose(await createDoctorProbes(config), {
    mode: 'full',
    repository: 'promoter-doctor',
    scratchTag: 'promoter-doctor-test',
    deletes: false,
  });
  return report.checks.filter((c) => c.name.startsWith('ledger'));
}

const freshPrefix = () => `doctor${randomBytes(4).toString('hex')}`;

describe('the ledger checks against Azurite', () => {
  it('read and write pass, creating tables not made yet, and leave no scratch row', async () => {
    const prefix = freshPrefix();
    const env = {
      PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
      PROMOTER_TABLE_PREFIX: prefix,
    };
    const [read, write] = await ledgerChecks(env);
    expect(read).toMatchObject({
      status: 'ok',
      as: 'the key in PROMOTER_TABLES_CONNECTION_STRING',
      detail: expect.stringContaining(
        `${prefix}builds does not exist yet (created on first write)`,
      ) as unknown,
    });
    expect(write).toMatchObject({
      status: 'ok',
      detail: `wrote and deleted a row in ${prefix}builds, ${prefix}promotions, ${prefix}replays`,
    });

    const again = await ledgerChecks(env);
    expect(again.map((c) => c.status)).toEqual(['ok', 'ok']);
    expect(again[0]).toMatchObject({
      detail: `read ${prefix}builds, ${prefix}promotions, ${prefix}replays`,
    });
    for (const table of ['builds', 'promotions', 'replays']) {
      const client = createTablesClient({
        connectionString: inject('tablesConnectionString'),
        tableName: `${prefix}${table}`,
      });
      const rows = [];
      for await (const row of client.listEntities({
        queryOptions: { filter: `PartitionKey eq '${DOCTOR_PARTITION}'` },
      }))
        rows.push(row);
      expect(rows).toEqual([]);
    }
  });

  it('an endpoint where nothing listens is named, with the setting to check', async () => {
    const port = await freePort();
    const connectionString = azuriteConnectionString(port);
    const [read, write] = await ledgerChecks({
      PROMOTER_TABLES_CONNECTION_STRING: connectionString,
      PROMOTER_TABLE_PREFIX: freshPrefix(),
    });
    for (const check of [read, write])
      expect(check).toMatchObject({
        status: 'failed',
        cause: expect.stringMatching(
          new RegExp(
            `^cannot reach http://127\\.0\\.0\\.1:${port}/devstoreaccount1 \\(table \\w+builds\\) \\(.*ECONNREFUSED.*\\): the host in PROMOTER_TABLES_CONNECTION_STRING is wrong or unreachable from here$`,
          ),
        ) as unknown,
        fix: [
          'check PROMOTER_TABLES_CONNECTION_STRING',
          'Azurite (the local ledger): npm start starts it; UseDevelopmentStorage=true expects it on 127.0.0.1:10002',
        ],
      });
    const key = /AccountKey=([^;]+)/.exec(connectionString)?.[1] ?? 'missing';
    expect(JSON.stringify([read, write])).not.toContain(key);
  });

  it('a wrong account key is refused, and the fix says where to get the right one', async () => {
    const wrongKey = Buffer.from('not the devstoreaccount1 key at all').toString('base64');
    const connectionString = inject('tablesConnectionString').replace(
      /AccountKey=[^;]+/,
      `AccountKey=${wrongKey}`,
    );
    const [read] = await ledgerChecks({
      PROMOTER_TABLES_CONNECTION_STRING: connectionString,
      PROMOTER_TABLE_PREFIX: freshPrefix(),
    });
    expect(read).toMatchObject({
      status: 'failed',
      cause: expect.stringMatching(
        /refused the key in PROMOTER_TABLES_CONNECTION_STRING \(HTTP 403 .*\): it is wrong, was rotated, or is a SAS without table rights$/,
      ) as unknown,
      fix: [
        'az storage account show-connection-string -n <storage-account> --query connectionString -o tsv   # then set PROMOTER_TABLES_CONNECTION_STRING to it',
      ],
    });
    expect(JSON.stringify(read)).not.toContain(wrongKey);
  });
});
