import { randomBytes } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import type { LedgerProbe, ProbeIdentity, ProbeResult } from '../../ports/doctorProbes.js';
import { tokenIdentity } from '../identity/identityPrincipal.js';
import { commonProbeFailure, oneLine, otherFailure } from '../probeFailure.js';
import { serviceCode, statusOf } from './tablesErrors.js';

/** The ledger's tables and how they are reached. */
export interface TablesDoctorProbeOptions {
  /** One client per ledger table (builds, promotions, replays). */
  readonly clients: readonly TableClient[];
  /** The identity behind `PROMOTER_TABLES_ENDPOINT`; undefined with a connection string. */
  readonly credential?: TokenCredential | undefined;
  /** The setting that names the storage (`PROMOTER_TABLES_ENDPOINT` or `…_CONNECTION_STRING`). */
  readonly setting: string;
}

/** The doctor's partition: no repository name starts with `~`, so no ledger row is touched. */
export const DOCTOR_PARTITION = '~doctor';

const STORAGE_SCOPE = 'https://storage.azure.com/.default';

/** The table service URL of a client, without its query (a SAS) or table name. */
function serviceUrl(client: TableClient): string {
  const url = new URL(client.url);
  url.search = '';
  url.pathname = url.pathname.replace(new RegExp(`/${client.tableName}/?$`), '');
  return url.toString().replace(/\/$/, '');
}

/** A string field of an SDK error's `details` (the service's error headers and body). */
function detailOf(error: unknown, field: string): string | undefined {
  const details = (error as { details?: unknown } | null)?.details;
  if (typeof details !== 'object' || details === null) return undefined;
  const value = (details as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/**
 * `HTTP 403 CODE: message` of a storage error, one line, redacted. The service answers JSON
 * (`odata.error`) or XML (`<Error><Code>…`); the SDK puts either body in the message.
 */
function tablesAnswer(error: unknown): string {
  const status = statusOf(error);
  const code = serviceCode(error) ?? detailOf(error, 'errorCode') ?? detailOf(error, 'Code');
  let message = error instanceof Error ? error.message : String(error);
  try {
    const body = JSON.parse(message) as { 'odata.error'?: { message?: { value?: unknown } } };
    const value = body['odata.error']?.message?.value;
    if (typeof value === 'string') message = value;
  } catch {
    message = detailOf(error, 'Message') ?? /<Message>([^<]*)/.exec(message)?.[1] ?? message;
  }
  const prefix = [status === undefined ? undefined : `HTTP ${status}`, code]
    .filter(Boolean)
    .join(' ');
  return oneLine(prefix === '' ? message : `${prefix}: ${message}`);
}

/**
 * The `LedgerProbe` over `@azure/data-tables`: reads a row of each ledger table, then upserts
 * and deletes a scratch row in the `~doctor` partition (creating a table that does not exist
 * yet, as the app does on first use).
 */
export function createTablesDoctorProbe(options: TablesDoctorProbeOptions): LedgerProbe {
  const { clients, credential, setting } = options;
  const first = clients[0];
  if (first === undefined) throw new Error('tables doctor probe: no ledger table given');
  let identity: Promise<ProbeIdentity> | undefined;

  /** Runs `step` on each table in turn; the first failure names its table. */
  const eachTable = async (
    step: (client: TableClient) => Promise<string | undefined>,
    done: string,
  ): Promise<ProbeResult> => {
    const notes: string[] = [];
    for (const client of clients) {
      try {
        const note = await step(client);
        if (note !== undefined) notes.push(note);
      } catch (error) {
        const failure =
          commonProbeFailure(error, tablesAnswer) ??
          (serviceCode(error) === 'TableNotFound'
            ? { kind: 'missing' as const, status: 404, answer: tablesAnswer(error) }
            : { ...otherFailure(error), answer: tablesAnswer(error) });
        return { ok: false, failure: { ...failure, entity: `table ${client.tableName}` } };
      }
    }
    return { ok: true, detail: [done, ...notes].join('; ') };
  };

  const names = clients.map((c) => c.tableName).join(', ');

  return {
    target: serviceUrl(first),
    setting,
    tables: clients.map((c) => c.tableName),
    identity: () =>
      (identity ??= credential
        ? tokenIdentity(credential, STORAGE_SCOPE)
        : Promise.resolve({ kind: 'shared-key', setting })),

    read: () =>
      eachTable(async (client) => {
        try {
          await client.getEntity(DOCTOR_PARTITION, 'read');
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
          if (serviceCode(error) === 'TableNotFound')
            return `${client.tableName} does not exist yet (created on first write)`;
        }
        return undefined;
      }, `read ${names}`),

    write: () =>
      eachTable(async (client) => {
        const row = {
          partitionKey: DOCTOR_PARTITION,
          rowKey: `probe-${randomBytes(6).toString('hex')}`,
          at: new Date().toISOString(),
        };
        try {
          await client.upsertEntity(row, 'Replace');
        } catch (error) {
          if (serviceCode(error) !== 'TableNotFound') throw error;
          await createTable(client);
          await client.upsertEntity(row, 'Replace');
        }
        await client.deleteEntity(row.partitionKey, row.rowKey);
        return undefined;
      }, `wrote and deleted a row in ${names}`),
  };
}

async function createTable(client: TableClient): Promise<void> {
  try {
    await client.createTable();
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
  }
}
