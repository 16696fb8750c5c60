import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A plain HTTP forwarder in front of Azurite that notes each request's kind (`GET point read
 * <table>`, `POST $batch` …), so the ledger calls of one promotion can be counted. Used only by
 * the counting host: the latency figures are taken without it.
 */
export class CountingProxy {
  private constructor(
    private readonly server: Server,
    private readonly agent: Agent,
    /** The kind of every request forwarded, in order. */
    readonly seen: string[],
    readonly port: number,
    /** Bytes of each request (sent to Azurite) and of its answer (read back), as in `seen`. */
    readonly bytes: { sent: number; received: number }[] = [],
    /** For each `$batch` request (as in `seen`), its table and operations; else undefined. */
    readonly transactions: (TransactionSeen | undefined)[] = [],
    /** When each request arrived and its answer ended (performance.now()), as in `seen`. */
    readonly intervals: { start: number; end: number }[] = [],
  ) {}

  static async start(targetPort: number): Promise<CountingProxy> {
    const seen: string[] = [];
    const bytes: { sent: number; received: number }[] = [];
    const transactions: (TransactionSeen | undefined)[] = [];
    const intervals: { start: number; end: number }[] = [];
    const agent = new Agent({ keepAlive: true });
    const server = createServer((req, res) => {
      seen.push(kindOf(req.method ?? 'GET', req.url ?? '/'));
      const counted = { sent: 0, received: 0 };
      bytes.push(counted);
      const index = transactions.push(undefined) - 1;
      const interval = { start: performance.now(), end: Number.NaN };
      intervals.push(interval);
      const body: Buffer[] = [];
      const isBatch = (req.url ?? '').split('?')[0]?.endsWith('$batch') === true;
      req.on('data', (chunk: Buffer) => {
        counted.sent += chunk.length;
        if (isBatch) body.push(chunk);
      });
      if (isBatch)
        req.on('end', () => {
          transactions[index] = transactionOf(Buffer.concat(body).toString('utf8'));
        });
      const upstream = request(
        {
          host: '127.0.0.1',
          port: targetPort,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `127.0.0.1:${targetPort}` },
          agent,
        },
        (answer) => {
          answer.on('data', (chunk: Buffer) => (counted.received += chunk.length));
          answer.on('end', () => {
            interval.end = performance.now();
          });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.once('error', (error) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(error));
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    return new CountingProxy(server, agent, seen, port, bytes, transactions, intervals);
  }

  /** Index to pass to `since`. */
  mark(): number {
    return this.seen.length;
  }

  since(mark: number): string[] {
    return this.seen.slice(mark);
  }

  /** The transactions among the requests since `mark`, as in `since` (undefined: none). */
  transactionsSince(mark: number): (TransactionSeen | undefined)[] {
    return this.transactions.slice(mark);
  }

  /**
   * How long, since `mark`, at least one request was waiting on Azurite (the union of the
   * requests' intervals: requests made side by side count once), ms.
   */
  waitedSince(mark: number): number {
    const spans = this.intervals.slice(mark).sort((a, b) => a.start - b.start);
    let total = 0;
    let until = Number.NEGATIVE_INFINITY;
    for (const { start, end } of spans) {
      if (Number.isNaN(end)) throw new Error('a request through the proxy has not ended');
      if (end <= until) continue;
      total += end - Math.max(start, until);
      until = end;
    }
    return total;
  }

  /** Body bytes sent and received by the requests since `mark` (headers not counted). */
  bytesSince(mark: number): { sent: number; received: number } {
    let sent = 0;
    let received = 0;
    for (const b of this.bytes.slice(mark)) {
      sent += b.sent;
      received += b.received;
    }
    return { sent, received };
  }

  close(): Promise<void> {
    this.agent.destroy();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
      this.server.closeAllConnections();
    });
  }
}

/** One entity-group transaction: its table (as `kindOf` names it) and its operations. */
export interface TransactionSeen {
  readonly table: string;
  readonly rows: number;
}

/** The table and operation count of a `$batch` body (one request line per operation). */
function transactionOf(body: string): TransactionSeen {
  const lines = [...body.matchAll(/^(?:POST|PUT|PATCH|MERGE|DELETE|GET) (\S+) HTTP\/1\.1\r?$/gm)];
  const first = lines[0]?.[1] ?? '';
  const last = decodeURIComponent(new URL(first, 'http://x').pathname).split('/').at(-1) ?? '';
  const table = (/^([A-Za-z0-9]+)/.exec(last)?.[1] ?? '').replace(/^bench/, '');
  return { table, rows: lines.length };
}

/** `GET point read promotions`, `GET query builds`, `POST $batch`, `POST create table` … */
function kindOf(method: string, url: string): string {
  const path = decodeURIComponent(url.split('?')[0] ?? url);
  const last = path.split('/').filter(Boolean).at(-1) ?? '';
  if (last === '$batch') return `${method} $batch (transaction)`;
  if (last === 'Tables' || last.startsWith('Tables(')) return `${method} table create/lookup`;
  const table = /^([A-Za-z0-9]+)\(/.exec(last)?.[1] ?? last;
  const name = table.replace(/^bench/, '');
  if (/\(PartitionKey=.*RowKey=.*\)$/.test(last)) return `${method} row (point) ${name}`;
  if (method === 'GET') return `${method} query ${name}`;
  return `${method} ${name}`;
}
