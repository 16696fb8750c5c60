import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { createDistributionCopier } from '../src/adapters/oci/distributionCopier.js';
import { startRegistry, type RegistryService } from '../src/local/services/registry.js';
import { tarHeader } from '../src/local/services/sampleImage.js';
import { freePort } from '../src/local/services/tcpPorts.js';
import { startRegistryLike } from './lossyRegistry.js';

/**
 * `npm run bench` part "copy across registries" (also alone: `npx tsx bench/copyBench.ts`):
 * two distribution registries over TLS, an image with one 256 MiB layer (random, so nothing
 * compresses it away) in the first; promoter's distribution copier and `skopeo copy --all`
 * each copy it to a fresh repository of the second, in the same run. Figures:
 * - wall time, each copy run direct (no proxy) into a fresh registry, `COPY_BENCH_RUNS` times
 *   (3), median, taking turns at going first;
 * - requests and bytes uploaded to the target, counted by a TLS proxy in front of each
 *   registry (a run of its own: the proxy's cost stays out of the times);
 * - peak memory growth of this process during promoter's copy (RSS sampled every 5 ms, over
 *   the RSS just before): the copy streams, so it must not grow with the layer;
 * - a second image sharing that layer, copied to where the first went: bytes uploaded must be
 *   the new config and layer and the manifest only.
 * Promoter's copy writes no tag (the promotion tags afterwards, one PUT): one PUT of the tag is
 * made and counted after it, so that both sides end with a tagged image.
 */

const execFileAsync = promisify(execFile);
const LAYER_MIB = Number(process.env.COPY_BENCH_LAYER_MIB ?? 256);
const RUNS = Number(process.env.COPY_BENCH_RUNS ?? 3);
const MiB = 1024 * 1024;

const sha256hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A request counted by the proxy: its kind and the bytes of its body. */
interface Counted {
  readonly kind: string;
  readonly bytes: number;
}

/** A TLS proxy in front of one registry, passing `Host` through, counting requests and bodies. */
class CountingTlsProxy {
  private constructor(
    /** Every request forwarded, in arrival order. */
    readonly seen: Counted[],
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly host: string,
  ) {}

  static async start(upstream: RegistryService): Promise<CountingTlsProxy> {
    const cert = readFileSync(upstream.certFile);
    const key = readFileSync(path.join(path.dirname(upstream.certFile), 'localhost.key'));
    const port = Number(upstream.host.split(':')[1]);
    const sockets = new Set<Socket>();
    const seen: Counted[] = [];
    const server = createServer({ cert, key }, (req, res) => {
      const entry = { kind: kindOf(req.method ?? '', req.url ?? ''), bytes: 0 };
      seen.push(entry);
      req.on('data', (chunk: Buffer) => {
        entry.bytes += chunk.length;
      });
      const up = request(
        {
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          method: req.method,
          path: req.url,
          headers: req.headers,
          ca: cert,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    server.on('secureConnection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new CountingTlsProxy(
      seen,
      server,
      sockets,
      `localhost:${(server.address() as AddressInfo).port}`,
    );
  }

  mark(): number {
    return this.seen.length;
  }

  since(mark: number): Counted[] {
    return this.seen.slice(mark);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
      for (const socket of this.sockets) socket.destroy();
    });
  }
}

function kindOf(method: string, url: string): string {
  const p = url.split('?')[0] ?? url;
  if (p === '/v2/' || p === '/v2') return `${method} /v2/`;
  if (/\/manifests\//.test(p)) return `${method} manifest`;
  if (/\/blobs\/uploads\//.test(p))
    return `${method} blob upload${url.includes('mount=') ? ' (mount)' : ''}`;
  if (/\/blobs\//.test(p)) return `${method} blob`;
  if (/\/referrers\//.test(p)) return `${method} referrers`;
  if (/\/tags\/list$/.test(p)) return `${method} tags/list`;
  return `${method} other`;
}

/**
 * Writes a gzipped tar layer of one random file of `bytes` into `blobs`, streaming (gzipped:
 * skopeo compresses a plain tar layer on push, which would change the digests). Its descriptor.
 */
async function writeLayer(blobs: string, name: string, bytes: number) {
  const tmp = path.join(blobs, `tmp-${randomBytes(4).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  const diff = createHash('sha256');
  async function* tar() {
    const parts = function* () {
      yield tarHeader(name, bytes, new Date('2024-01-01T00:00:00Z'));
      for (let left = bytes; left > 0; left -= MiB) yield randomBytes(Math.min(MiB, left));
      yield Buffer.alloc(((512 - (bytes % 512)) % 512) + 1024);
    };
    for (const part of parts()) {
      diff.update(part);
      yield await Promise.resolve(part);
    }
  }
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(Readable.from(tar()), createGzip({ level: 1 }), count, createWriteStream(tmp));
  const hex = hash.digest('hex');
  await rename(tmp, path.join(blobs, hex));
  return {
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    digest: `sha256:${hex}`,
    size,
    diffId: `sha256:${diff.digest('hex')}`,
  };
}

/** An OCI layout holding `layers` under tag `latest`; its skopeo reference. */
async function writeLayout(
  dir: string,
  blobs: string,
  layers: readonly { mediaType: string; digest: string; size: number; diffId: string }[],
) {
  let bytes = Buffer.alloc(0);
  const blob = async (value: unknown) => {
    bytes = Buffer.from(JSON.stringify(value));
    const hex = sha256hex(bytes);
    await writeFile(path.join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const config = await blob({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    config: { Labels: { 'bench.id': randomBytes(8).toString('hex') } },
  });
  const manifest = await blob({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
  });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        },
      ],
    }),
  );
  manifests.set(manifest.digest, bytes);
  return manifest.digest;
}

/** The bytes of each manifest `writeLayout` wrote, by digest: what the promotion tags with. */
const manifests = new Map<string, Buffer>();

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

/** Runs `work` while sampling this process's RSS; the peak over the RSS at the start. */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - base };
  } finally {
    clearInterval(timer);
  }
}

const sumBytes = (entries: readonly Counted[]) => entries.reduce((n, e) => n + e.bytes, 0);
const byKind = (entries: readonly Counted[]) => {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
};

/** Runs the copy benchmark; returns the report's text. */
export async function copyBench(progress: (line: string) => void): Promise<string> {
  const state = await mkdtemp(path.join(os.tmpdir(), 'promoter-copy-bench-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const first = await startRegistry({
      stateDir: path.join(state, 'build'),
      port: await freePort(),
      notifyUrl: undefined,
      notifyHeaders: {},
    });
    stops.push(() => first.stop());
    const second = await startRegistryLike(first.certFile, path.join(state, 'prod'), undefined);
    stops.push(() => second.stop());
    tls.setDefaultCACertificates([
      ...tls.getCACertificates('default'),
      readFileSync(first.certFile, 'utf8'),
    ]);
    const certDir = path.join(path.dirname(first.certFile), 'certs.d');
    const skopeo = (args: string[]) =>
      execFileAsync('skopeo', [
        'copy',
        '--src-cert-dir',
        certDir,
        '--dest-cert-dir',
        certDir,
        ...args,
      ]);

    progress(`copy: writing an image with a ${LAYER_MIB} MiB layer`);
    const blobs = path.join(state, 'layouts', 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const big = await writeLayer(blobs, 'big.bin', LAYER_MIB * MiB);
    const small = await writeLayer(blobs, 'small.bin', 4096);
    const baseDir = path.join(state, 'layouts');
    const digest = await writeLayout(baseDir, blobs, [big]);
    await execFileAsync('skopeo', [
      'copy',
      '--dest-cert-dir',
      certDir,
      `oci:${baseDir}:latest`,
      `docker://${first.host}/bench/big:v1`,
    ]);
    const nextDigest = await writeLayout(baseDir, blobs, [big, small]);
    await execFileAsync('skopeo', [
      'copy',
      '--dest-cert-dir',
      certDir,
      `oci:${baseDir}:latest`,
      `docker://${first.host}/bench/big:v2`,
    ]);
    await rm(baseDir, { recursive: true, force: true });

    const copier = createDistributionCopier({ signIn: () => ({ kind: 'anonymous' }) });
    const tagAt = async (host: string, repository: string, reference: string, tag: string) => {
      const body = manifests.get(reference);
      if (body === undefined) throw new Error(`no manifest ${reference} was written`);
      const put = await fetch(`https://${host}/v2/${repository}/manifests/${tag}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body,
      });
      if (put.status !== 201) throw new Error(`tagging: HTTP ${put.status}`);
    };
    const promote = async (
      from: string,
      to: string,
      repository: string,
      d: string,
      tag: string,
    ) => {
      const report = await copier.copy(
        { registry: from, repository: 'bench/big' },
        { registry: to, repository },
        d,
      );
      // The promotion's tag write: the manifest it has in hand, PUT under the tag.
      await tagAt(to, repository, d, tag);
      return report;
    };

    progress(`copy: ${RUNS} timed runs each of promoter and skopeo copy --all`);
    const times = { promoter: [] as number[], skopeo: [] as number[] };
    const growth: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      // Fresh targets each run: skopeo remembers where it saw a blob (its blob info cache)
      // and would mount it from an earlier run's repository instead of uploading it.
      const forSkopeo = await startRegistryLike(
        first.certFile,
        path.join(state, `s${run}`),
        undefined,
      );
      const forPromoter = await startRegistryLike(
        first.certFile,
        path.join(state, `p${run}`),
        undefined,
      );
      try {
        const order = run % 2 === 0 ? ['skopeo', 'promoter'] : ['promoter', 'skopeo'];
        for (const who of order) {
          const started = performance.now();
          if (who === 'skopeo') {
            await skopeo([
              '--all',
              `docker://${first.host}/bench/big@${digest}`,
              `docker://${forSkopeo.host}/timed/skopeo:v1`,
            ]);
            times.skopeo.push(performance.now() - started);
          } else {
            const measured = await peakGrowth(() =>
              promote(first.host, forPromoter.host, 'timed/promoter', digest, 'v1'),
            );
            times.promoter.push(performance.now() - started);
            growth.push(measured.growth);
          }
        }
      } finally {
        await forSkopeo.stop();
        await forPromoter.stop();
      }
    }

    progress('copy: counting requests and bytes through proxies');
    const fromProxy = await CountingTlsProxy.start(first);
    stops.push(() => fromProxy.close());
    const toProxy = await CountingTlsProxy.start(second);
    stops.push(() => toProxy.close());
    const counted = async (work: () => Promise<unknown>) => {
      const [a, b] = [fromProxy.mark(), toProxy.mark()];
      await work();
      const atSource = fromProxy.since(a);
      const atTarget = toProxy.since(b);
      return {
        atSource,
        atTarget,
        requests: atSource.length + atTarget.length,
        uploaded: sumBytes(atTarget.filter((e) => e.kind.includes('blob upload'))),
        manifests: atTarget.filter((e) => e.kind === 'PUT manifest').map((e) => e.bytes),
      };
    };
    const skopeoCount = await counted(() =>
      skopeo([
        '--all',
        `docker://${fromProxy.host}/bench/big@${digest}`,
        `docker://${toProxy.host}/counted/skopeo:v1`,
      ]),
    );
    let report1: Awaited<ReturnType<typeof promote>> | undefined;
    const promoterCount = await counted(async () => {
      report1 = await promote(fromProxy.host, toProxy.host, 'counted/promoter', digest, 'v1');
    });
    const promoterRequests = promoterCount.requests;
    const skopeoSecond = await counted(() =>
      skopeo([
        '--all',
        `docker://${fromProxy.host}/bench/big@${nextDigest}`,
        `docker://${toProxy.host}/counted/skopeo:v2`,
      ]),
    );
    let report2: Awaited<ReturnType<typeof promote>> | undefined;
    const promoterSecond = await counted(async () => {
      report2 = await promote(fromProxy.host, toProxy.host, 'counted/promoter', nextDigest, 'v2');
    });

    const ms = (v: number) => `${(v / 1000).toFixed(2)} s`;
    const mib = (v: number) => `${(v / MiB).toFixed(1)} MiB`;
    const [tp, ts] = [median(times.promoter), median(times.skopeo)];
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    const peak = Math.max(...growth);
    const lines = [
      '',
      `copy across registries (two distribution registries over TLS; one ${LAYER_MIB} MiB layer)`,
      `  wall time, median of ${RUNS}: promoter ${ms(tp)}, skopeo copy --all ${ms(ts)} → ${(tp / ts).toFixed(2)}× (target ≤ 1.2×: ${verdict(tp <= 1.2 * ts)})`,
      `    promoter runs ${times.promoter.map(ms).join(', ')}; skopeo runs ${times.skopeo.map(ms).join(', ')}`,
      `  blob bytes uploaded to the target: promoter ${promoterCount.uploaded} (its report: ${report1?.bytesUploaded ?? 0}), skopeo ${skopeoCount.uploaded} (target: equal: ${verdict(promoterCount.uploaded === skopeoCount.uploaded)})`,
      `    manifest bytes: promoter ${promoterCount.manifests.join(' + ')} (the copy by digest, then the promotion's tag), skopeo ${skopeoCount.manifests.join(' + ')}`,
      `  registry requests: promoter ${promoterRequests} (copy ${report1?.requests ?? 0} + tag 1), skopeo ${skopeoCount.requests} (target: ≤ skopeo's: ${verdict(promoterRequests <= skopeoCount.requests)})`,
      `    promoter at source: ${byKind(promoterCount.atSource)}`,
      `    promoter at target: ${byKind(promoterCount.atTarget)}`,
      `    skopeo at source: ${byKind(skopeoCount.atSource)}`,
      `    skopeo at target: ${byKind(skopeoCount.atTarget)}`,
      `  peak memory growth of this process during promoter's copy: ${mib(peak)} (runs ${growth.map(mib).join(', ')}; target < 64 MiB: ${verdict(peak < 64 * MiB)})`,
      `  second image sharing the layer: blob bytes uploaded promoter ${promoterSecond.uploaded} (${report2?.blobsUploaded ?? 0} blobs, ${report2?.blobsPresent ?? 0} present), skopeo ${skopeoSecond.uploaded}; manifest bytes promoter ${promoterSecond.manifests.join(' + ')}, skopeo ${skopeoSecond.manifests.join(' + ')}; requests promoter ${promoterSecond.requests}, skopeo ${skopeoSecond.requests}`,
      `    (the new config and ${small.size}-byte layer only, the shared layer not again: ${verdict(promoterSecond.uploaded < MiB && promoterSecond.uploaded === skopeoSecond.uploaded)})`,
    ];
    return lines.join('\n');
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (process.env.BENCH_KEEP_STATE !== '1') await rm(state, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  copyBench((line) => {
    console.error(`bench: ${line}`);
  })
    .then((text) => {
      console.log(text);
    })
    .catch((error: unknown) => {
      console.error(
        `copy bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      process.exitCode = 1;
    });
}
