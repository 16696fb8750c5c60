import type { TableClient, TableEntity } from '@azure/data-tables';
import { ensureTableOnce } from '../adapters/tables/tablesEnsureTable.js';
import { isWriteConflict, ledgerFailure, statusOf } from '../adapters/tables/tablesErrors.js';
import type { DeadLetter, QueueStore, StoredMessage } from './queueMessages.js';

/**
 * One partition holds the whole queue, so that accepting a message (its id and the message)
 * is one transaction. RowKeys:
 *
 * - `msg|<sequence>`: a message not yet completed (20 digits, so they sort in sequence order);
 * - `dead|<sequence>`: a dead letter;
 * - `id|<encoded message id>`: a message id in the duplicate detection window (`seenAt`).
 */
const PARTITION = 'queue';

/** A string property holds at most 32,768 UTF-16 characters: longer bodies are split. */
const CHUNK = 32_000;
/** 16 chunks: 512,000 characters, within the 1 MiB entity (the queue's messages are < 64 KiB). */
const MAX_CHUNKS = 16;

const sequenceKey = (sequence: number) => String(sequence).padStart(20, '0');
const messageRow = (sequence: number) => `msg|${sequenceKey(sequence)}`;
const deadRow = (sequence: number) => `dead|${sequenceKey(sequence)}`;
// Keys may not hold `/ \ # ?`: encodeURIComponent escapes them.
const idRow = (messageId: string) => `id|${encodeURIComponent(messageId)}`;

type Row = TableEntity;

/**
 * The local host's durable queue in a table of Azurite's table service (the store the local
 * stack already runs): a `QueueStore` for `LocalSessionQueue`. Message bodies are kept as
 * JSON. A failure is thrown as the ledger's errors are (`TransientError` for an outage).
 */
export class TablesQueueStore implements QueueStore<unknown> {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly client: TableClient) {
    this.ensureTable = ensureTableOnce(client);
  }

  async add(message: StoredMessage<unknown>, windowMs: number): Promise<boolean> {
    return this.run(`storing message ${message.messageId}`, async () => {
      await this.ensureTable();
      const seen = { partitionKey: PARTITION, rowKey: idRow(message.messageId) };
      const seenAt = message.enqueuedTimeUtc;
      const row = this.messageEntity(message);
      try {
        await this.client.submitTransaction([
          ['create', { ...seen, seenAt }],
          ['create', row],
        ]);
        return true;
      } catch (error) {
        if (!isWriteConflict(error)) throw error;
      }
      // The id is known: a duplicate, unless it has left the window (then it is taken over).
      const known = await this.client.getEntity<{ seenAt: Date }>(PARTITION, seen.rowKey);
      if (seenAt.getTime() - known.seenAt.getTime() < windowMs) return false;
      try {
        await this.client.submitTransaction([
          ['update', { ...seen, seenAt }, 'Replace', { etag: known.etag }],
          ['create', row],
        ]);
        return true;
      } catch (error) {
        // Another send of this id took it over first: this one is its duplicate.
        if (isWriteConflict(error)) return false;
        throw error;
      }
    });
  }

  async delivering(message: StoredMessage<unknown>, deliveryCount: number): Promise<void> {
    await this.run(`recording delivery ${deliveryCount} of ${message.messageId}`, () =>
      this.client.updateEntity(
        { partitionKey: PARTITION, rowKey: messageRow(message.sequence), deliveryCount },
        'Merge',
      ),
    );
  }

  async complete(message: StoredMessage<unknown>): Promise<void> {
    await this.run(`completing ${message.messageId}`, async () => {
      try {
        await this.client.deleteEntity(PARTITION, messageRow(message.sequence));
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    });
  }

  async deadLetter(message: StoredMessage<unknown>, letter: DeadLetter<unknown>): Promise<void> {
    await this.run(`dead-lettering ${message.messageId}`, async () => {
      const entity: Row = {
        ...this.messageEntity({ ...message, deliveryCount: letter.deliveryCount }),
        rowKey: deadRow(message.sequence),
        reason: letter.reason.slice(0, CHUNK),
        deadLetteredAt: letter.deadLetteredAt,
      };
      try {
        await this.client.submitTransaction([
          ['delete', { partitionKey: PARTITION, rowKey: messageRow(message.sequence) }],
          ['upsert', entity, 'Replace'],
        ]);
      } catch (error) {
        // Moved already (a retry of a write whose answer was lost): the dead letter is there.
        if (statusOf(error) !== 404) throw error;
        await this.client.upsertEntity(entity, 'Replace');
      }
    });
  }

  async load(
    now: Date,
    windowMs: number,
  ): Promise<{ pending: StoredMessage<unknown>[]; dead: DeadLetter<unknown>[] }> {
    return this.run('reading the local queue', async () => {
      await this.ensureTable();
      const pending: StoredMessage<unknown>[] = [];
      const dead: DeadLetter<unknown>[] = [];
      const expired: string[] = [];
      const rows = this.client.listEntities({
        queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
      });
      for await (const row of rows) {
        const key = row.rowKey ?? '';
        if (key.startsWith('msg|')) pending.push(messageOf(row));
        else if (key.startsWith('dead|')) {
          const message = messageOf(row);
          dead.push({
            ...message,
            reason: String(row.reason),
            deadLetteredAt: asDate(row.deadLetteredAt),
          });
        } else if (
          key.startsWith('id|') &&
          now.getTime() - asDate(row.seenAt).getTime() >= windowMs
        )
          expired.push(key);
      }
      for (const key of expired) {
        try {
          await this.client.deleteEntity(PARTITION, key);
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
        }
      }
      // RowKeys come sorted: each kind is in sequence order.
      return { pending, dead };
    });
  }

  private messageEntity(message: StoredMessage<unknown>): Row {
    const json = JSON.stringify(message.body);
    const chunks = Math.max(1, Math.ceil(json.length / CHUNK));
    if (chunks > MAX_CHUNKS)
      throw new Error(
        `message ${message.messageId}: body of ${json.length} characters is over the local queue's ${CHUNK * MAX_CHUNKS}`,
      );
    const body: Record<string, string> = {};
    for (let i = 0; i < chunks; i += 1) body[`body${i}`] = json.slice(i * CHUNK, (i + 1) * CHUNK);
    return {
      partitionKey: PARTITION,
      rowKey: messageRow(message.sequence),
      messageId: message.messageId,
      sessionId: message.sessionId,
      // Int64 would come back as a string; as a double it is exact below 2^53.
      sequence: message.sequence,
      enqueuedTimeUtc: message.enqueuedTimeUtc,
      deliveryCount: message.deliveryCount,
      ...(message.scheduledEnqueueTimeUtc && {
        scheduledEnqueueTimeUtc: message.scheduledEnqueueTimeUtc,
      }),
      chunks,
      ...body,
    };
  }

  private async run<R>(doing: string, work: () => Promise<R>): Promise<R> {
    try {
      return await work();
    } catch (error) {
      throw ledgerFailure(`local queue table ${this.client.tableName}: ${doing}`, error);
    }
  }
}

function asDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

function messageOf(row: Record<string, unknown>): StoredMessage<unknown> {
  let json = '';
  for (let i = 0; i < Number(row.chunks); i += 1) {
    const chunk = row[`body${i}`];
    json += typeof chunk === 'string' ? chunk : '';
  }
  return {
    body: JSON.parse(json) as unknown,
    messageId: String(row.messageId),
    sessionId: String(row.sessionId),
    sequence: Number(row.sequence),
    enqueuedTimeUtc: asDate(row.enqueuedTimeUtc),
    deliveryCount: Number(row.deliveryCount),
    ...(row.scheduledEnqueueTimeUtc !== undefined && {
      scheduledEnqueueTimeUtc: asDate(row.scheduledEnqueueTimeUtc),
    }),
  };
}
