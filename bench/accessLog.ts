import { randomBytes } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RegistryProbe } from './registryHttp.js';

/** One request from the registry's access log (combined log format). */
export interface AccessEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly userAgent: string;
  /** `GET manifest (by digest)`, `PUT manifest (by tag)`, `HEAD blob`, `GET /v2/ (ping)` … */
  readonly kind: string;
  /** Who sent it, from the user agent: promoter (the Azure SDK), skopeo, bench (our probes). */
  readonly client: 'promoter' | 'skopeo' | 'bench' | 'other';
  /** The tag or digest of a manifest request. */
  readonly reference?: string;
}

const LINE = /^\S+ \S+ \S+ \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) \S+ "[^"]*" "([^"]*)"/;
const MARKER_REPO = 'bench-marker';

/** The kind of registry API call a request path is (OCI distribution spec endpoints). */
function kindOf(method: string, rawPath: string): { kind: string; reference?: string } {
  const path = rawPath.split('?')[0] ?? rawPath;
  if (path === '/v2/' || path === '/v2') return { kind: `${method} /v2/ (ping)` };
  const manifest = /^\/v2\/.+\/manifests\/([^/]+)$/.exec(path);
  if (manifest?.[1] !== undefined) {
    const reference = decodeURIComponent(manifest[1]);
    const by = reference.includes(':') ? 'digest' : 'tag';
    return { kind: `${method} manifest (by ${by})`, reference };
  }
  if (/^\/v2\/.+\/blobs\/uploads\//.test(path)) return { kind: `${method} blob upload` };
  if (/^\/v2\/.+\/blobs\/[^/]+$/.test(path)) return { kind: `${method} blob` };
  if (/^\/v2\/.+\/tags\/list$/.test(path)) return { kind: `${method} tags/list` };
  return { kind: `${method} other` };
}

function clientOf(userAgent: string): AccessEntry['client'] {
  if (userAgent.startsWith('azsdk-js')) return 'promoter';
  if (userAgent.startsWith('skopeo')) return 'skopeo';
  if (userAgent.startsWith('promoter-bench')) return 'bench';
  return 'other';
}

/** Parses access log lines; lines that are not requests (none expected) are skipped. */
export function parseAccessLog(text: string): AccessEntry[] {
  const entries: AccessEntry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, method = '', path = '', status = '0', userAgent = ''] = m;
    entries.push({
      method,
      path,
      status: Number(status),
      userAgent,
      client: clientOf(userAgent),
      ...kindOf(method, path),
    });
  }
  return entries;
}

/**
 * Counts the registry requests made between two points in time. A window starts by noting the
 * log's size and sending a marker request (`HEAD /v2/bench-marker/manifests/<id>`, a 404 that
 * sends no notification); it ends with a second marker, and the requests logged between the
 * two markers are returned (markers and the bench's own probes excluded).
 */
export class AccessLogWindows {
  constructor(
    private readonly file: string,
    private readonly probe: RegistryProbe,
  ) {}

  async start(): Promise<{ offset: number; marker: string }> {
    const offset = (await stat(this.file)).size;
    const marker = `start-${randomBytes(6).toString('hex')}`;
    await this.probe.headDigest(MARKER_REPO, marker);
    return { offset, marker };
  }

  /** Ends the window: waits until the end marker is in the log, then returns the requests. */
  async end(window: { offset: number; marker: string }): Promise<AccessEntry[]> {
    const marker = `end-${randomBytes(6).toString('hex')}`;
    await this.probe.headDigest(MARKER_REPO, marker);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const text = await this.readFrom(window.offset);
      const lines = text.split('\n');
      const first = lines.findIndex((l) =>
        l.includes(`/${MARKER_REPO}/manifests/${window.marker}`),
      );
      const last = lines.findIndex((l) => l.includes(`/${MARKER_REPO}/manifests/${marker}`));
      if (first >= 0 && last > first)
        return parseAccessLog(lines.slice(first + 1, last).join('\n')).filter(
          (e) => e.client !== 'bench',
        );
      if (Date.now() > deadline)
        throw new Error(`the registry access log ${this.file} did not show the marker ${marker}`);
      await sleep(10);
    }
  }

  /** All requests logged from `offset` to now (for whole phases, probes included). */
  async since(offset: number): Promise<AccessEntry[]> {
    return parseAccessLog(await this.readFrom(offset));
  }

  async size(): Promise<number> {
    return (await stat(this.file)).size;
  }

  private async readFrom(offset: number): Promise<string> {
    const handle = await open(this.file, 'r');
    try {
      const { size } = await handle.stat();
      const buffer = Buffer.alloc(Math.max(0, size - offset));
      await handle.read(buffer, 0, buffer.length, offset);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  }
}

/** Requests grouped by kind, e.g. `{ 'GET manifest (by digest)': 1, 'PUT manifest (by tag)': 1 }`. */
export function countByKind(entries: readonly AccessEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return counts;
}
