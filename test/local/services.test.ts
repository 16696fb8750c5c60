import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { TableClient } from '@azure/data-tables';
import { format, resolveConfig } from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startAzurite } from '../../src/local/services/azurite.js';
import { ensureCertificate } from '../../src/local/services/certificate.js';
import {
  AlreadyRunningError,
  isAlive,
  readPidFile,
  reclaimStateDir,
  recordPid,
  SUPERVISOR,
} from '../../src/local/services/pidfile.js';
import { assertPortFree, freePort } from '../../src/local/services/tcpPorts.js';
import { readLocalSettings } from '../../src/local/services/localSettings.js';
import { startRegistry, type RegistryService } from '../../src/local/services/registry.js';
import {
  findRegistryBinary,
  isDebianLike,
  MissingRegistryError,
} from '../../src/local/services/registryBinary.js';
import { readOrCreateWebhookSecret } from '../../src/local/services/webhookSecret.js';
import { writeSampleImage } from '../../src/local/services/sampleImage.js';
import { buildImage, buildIndex, inspectDigest, inspectRaw, push, run } from '../support/images.js';

const fixtureDir = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/distribution',
);
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

const notificationEvent = z.looseObject({
  id: z.string(),
  action: z.string(),
  target: z.looseObject({
    mediaType: z.string(),
    digest: z.string(),
    repository: z.string(),
    tag: z.string().optional(),
  }),
});
const envelopeSchema = z.object({ events: z.array(notificationEvent) });
type NotificationEvent = z.infer<typeof notificationEvent>;

/** One POST the registry made to our endpoint, exactly as received. */
interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  events: NotificationEvent[];
}

/** A tiny HTTP endpoint recording the registry's notifications. */
async function startEndpoint(): Promise<{ server: Server; url: string; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const { events } = envelopeSchema.parse(JSON.parse(body));
      deliveries.push({ headers: req.headers, body, events });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hook`, deliveries };
}

/** The first delivery holding an event that matches, waiting up to 5 s for it. */
async function delivered(
  deliveries: Delivery[],
  match: (event: NotificationEvent) => boolean,
): Promise<{ delivery: Delivery; event: NotificationEvent }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    for (const delivery of deliveries) {
      const event = delivery.events.find(match);
      if (event !== undefined) return { delivery, event };
    }
    if (Date.now() > deadline) throw new Error('no matching notification within 5 s');
    await sleep(25);
  }
}

/**
 * Saves a real notification body under test/fixtures/distribution (when missing, or always with
 * PROMOTER_UPDATE_FIXTURES=1). Only whitespace changes, so that Prettier accepts the file.
 */
async function saveFixture(name: string, body: string): Promise<void> {
  const file = path.join(fixtureDir, name);
  if (existsSync(file) && process.env.PROMOTER_UPDATE_FIXTURES !== '1') return;
  await mkdir(fixtureDir, { recursive: true });
  const options = (await resolveConfig(file)) ?? {};
  await writeFile(file, await format(body, { ...options, filepath: file }));
}

function httpsGet(url: string, ca?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ...(ca === undefined ? {} : { ca }), timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

const tmpDirs: string[] = [];
async function tmpDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `promoter-${prefix}-`));
  tmpDirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of tmpDirs) await rm(dir, { recursive: true, force: true });
});

describe('ensureCertificate', () => {
  it('creates a certificate for localhost, 127.0.0.1 and ::1 once, then reuses it', async () => {
    const dir = await tmpDir('cert');
    const first = await ensureCertificate(dir);
    const pem = readFileSync(first.certFile);
    const cert = new X509Certificate(pem);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBeDefined();
    expect(readFileSync(path.join(first.certDir, 'ca.crt'))).toEqual(pem);

    const second = await ensureCertificate(dir);
    expect(second).toEqual(first);
    expect(readFileSync(second.certFile)).toEqual(pem);
  });

  it('is trusted by an https client that is given only that certificate', async () => {
    const { certFile, keyFile } = await ensureCertificate(await tmpDir('cert'));
    const ca = readFileSync(certFile);
    const server = createHttpsServer({ cert: ca, key: readFileSync(keyFile) }, (_req, res) => {
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await httpsGet(`https://localhost:${port}/`, ca)).toBe(200);
      expect(await httpsGet(`https://127.0.0.1:${port}/`, ca)).toBe(200);
      await expect(httpsGet(`https://localhost:${port}/`)).rejects.toThrow(/self[- ]signed/i);
    } finally {
      server.close();
    }
  });
});

describe('the local distribution registry', () => {
  const secret = 'test-secret-0123456789abcdef';
  let registry: RegistryService;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
  let workDir: string;

  beforeAll(async () => {
    endpoint = await startEndpoint();
    workDir = await tmpDir('registry');
    registry = await startRegistry({
      stateDir: path.join(workDir, 'registry'),
      port: await freePort(),
      notifyUrl: endpoint.url,
      notifyHeaders: { Authorization: `Bearer ${secret}` },
    });
  });
  afterAll(async () => {
    await registry.stop();
    endpoint.server.close();
  });

  it('answers GET /v2/ over TLS with the generated certificate', async () => {
    const ca = readFileSync(registry.certFile);
    expect(registry.url).toMatch(/^https:\/\/localhost:\d+$/);
    expect(await httpsGet(`${registry.url}/v2/`, ca)).toBe(200);
  });

  it('takes a skopeo push of the sample image and notifies it with tag, digest and the secret', async () => {
    const sample = await writeSampleImage(path.join(workDir, 'sample'), {
      content: `sample ${Date.now()}\n`,
    });
    const ref = `${registry.host}/myapp:git-abc1234`;
    const digest = await push(sample.reference, ref, registry.certDir);

    expect(digest).toBe(sample.digest);
    expect(await inspectDigest(ref, registry.certDir)).toBe(digest);
    const { delivery, event } = await delivered(
      endpoint.deliveries,
      (e) => e.action === 'push' && e.target.tag === 'git-abc1234',
    );
    expect(delivery.headers.authorization).toBe(`Bearer ${secret}`);
    expect(delivery.headers['content-type']).toBe(
      'application/vnd.docker.distribution.events.v1+json',
    );
    expect(event.target).toMatchObject({ repository: 'myapp', digest, mediaType: OCI_MANIFEST });
    expect(readFileSync(registry.accessLogFile, 'utf8')).toContain(
      'PUT /v2/myapp/manifests/git-abc1234',
    );
    await saveFixture('distribution-push.json', delivery.body);

    // Blob pushes and pulls are filtered out at the registry: the inspect above pulled, so a
    // marker push notified after it shows nothing else was sent. (test/fixtures/distribution
    // keeps real blob and pull envelopes captured before the filter.)
    await push(sample.reference, `${registry.host}/myapp:git-fff0000`, registry.certDir);
    await delivered(endpoint.deliveries, (e) => e.target.tag === 'git-fff0000');
    const events = endpoint.deliveries.flatMap(
      (d) =>
        (JSON.parse(d.body) as { events: { action: string; target: { mediaType?: string } }[] })
          .events,
    );
    expect(
      events.filter(
        (e) => e.action === 'pull' || e.target.mediaType === 'application/octet-stream',
      ),
    ).toEqual([]);
  });

  it('gives a different digest for different sample content', async () => {
    const a = await writeSampleImage(path.join(workDir, 'sample-a'), { content: 'a' });
    const b = await writeSampleImage(path.join(workDir, 'sample-b'), { content: 'b' });
    const a2 = await writeSampleImage(path.join(workDir, 'sample-a2'), { content: 'a' });
    expect(a.digest).not.toBe(b.digest);
    expect(a2.digest).toBe(a.digest);
    expect(a.reference).toBe(`oci:${path.join(workDir, 'sample-a')}:latest`);
  });

  it('takes a umoci-built image pushed to a nested repository', async () => {
    const image = await buildImage(path.join(workDir, 'single'), {
      content: `single ${Date.now()}`,
      arch: 'arm64',
    });
    const ref = `${registry.host}/team/backend:git-1111111`;
    const digest = await push(image.reference, ref, registry.certDir);

    expect(digest).toBe(image.digest);
    expect(await inspectDigest(ref, registry.certDir)).toBe(digest);
    const { event } = await delivered(endpoint.deliveries, (e) => e.target.tag === 'git-1111111');
    expect(event.target).toMatchObject({
      repository: 'team/backend',
      digest,
      mediaType: OCI_MANIFEST,
    });
  });

  it('takes a multi-arch OCI index whole and notifies the index push under its tag', async () => {
    const index = await buildIndex(path.join(workDir, 'multi'), { content: `multi ${Date.now()}` });
    const ref = `${registry.host}/myapp:git-2222222`;
    const digest = await push(index.reference, ref, registry.certDir, { all: true });

    expect(digest).toBe(index.digest);
    const raw = await inspectRaw(ref, registry.certDir);
    expect(raw.digest).toBe(digest);
    expect(raw.mediaType).toBe(OCI_INDEX);
    const { delivery, event } = await delivered(
      endpoint.deliveries,
      (e) => e.target.tag === 'git-2222222',
    );
    expect(event).toMatchObject({ action: 'push', target: { digest, mediaType: OCI_INDEX } });
    // The per-architecture manifests arrive as their own push events, by digest, untagged.
    for (const manifest of index.manifests) {
      const arch = await delivered(endpoint.deliveries, (e) => e.target.digest === manifest.digest);
      expect(arch.event).toMatchObject({ action: 'push', target: { mediaType: OCI_MANIFEST } });
      expect(arch.event.target.tag).toBeUndefined();
    }
    await saveFixture('distribution-push-index.json', delivery.body);
  });

  it('fails to start with the registry log when its port is taken', async () => {
    await expect(
      startRegistry({
        stateDir: path.join(workDir, 'second'),
        port: Number(new URL(registry.url).port),
        notifyUrl: endpoint.url,
        notifyHeaders: {},
      }),
    ).rejects.toThrow(/registry exited with code 1 .*address already in use/s);
  });
});

describe('startAzurite', () => {
  it('serves tables in memory for @azure/data-tables with its connection string', async () => {
    const azurite = await startAzurite({ port: await freePort(), logDir: await tmpDir('azurite') });
    try {
      const table = TableClient.fromConnectionString(azurite.connectionString, 'servicestest', {
        allowInsecureConnection: true,
      });
      await table.createTable();
      await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
      expect((await table.getEntity<{ value: number }>('p', 'r')).value).toBe(42);
    } finally {
      await azurite.stop();
    }
    expect(azurite.process.hasExited()).toBe(true);
  });

  it('keeps a row written just before it was stopped, across a restart on the same state', async () => {
    const stateDir = await tmpDir('azurite-state');
    const start = async () =>
      startAzurite({ port: await freePort(), stateDir, logDir: await tmpDir('azurite-logs') });
    const tableIn = (connectionString: string) =>
      TableClient.fromConnectionString(connectionString, 'durable', {
        allowInsecureConnection: true,
      });
    const first = await start();
    try {
      const table = tableIn(first.connectionString);
      await table.createTable();
      await table.createEntity({ partitionKey: 'p', rowKey: 'last', value: 'written' });
    } finally {
      await first.stop(); // within Azurite's 5-second autosave: only a clean stop saves it
    }
    const second = await start();
    try {
      const row = await tableIn(second.connectionString).getEntity<{ value: string }>('p', 'last');
      expect(row.value).toBe('written');
    } finally {
      await second.stop();
    }
  });
});

describe('the pidfile', () => {
  /** Starts `node -e <idle> <tag>` reparented away from us, as a crashed run's child would be. */
  async function orphan(tag: string): Promise<number> {
    const script = `"${process.execPath}" -e "setInterval(() => {}, 1000)" ${tag} >/dev/null 2>&1 & echo $!`;
    const out = (await run('sh', ['-c', script])).toString('utf8');
    return Number(out.trim());
  }

  it('stops the orphans of a crashed run that are still ours, and nothing else', async () => {
    const stateDir = await tmpDir('pids');
    const tag = `promoter-orphan-${process.pid}-${Date.now()}`;
    const ours = await orphan(tag);
    const reused = await orphan(`${tag}-unrelated`);
    try {
      recordPid(stateDir, { name: SUPERVISOR, pid: 999_999_999, marker: 'dist/local/start.js' });
      recordPid(stateDir, { name: 'registry', pid: ours, marker: tag });
      // A pid that now belongs to another program (its command line lacks the marker).
      recordPid(stateDir, { name: 'azurite', pid: reused, marker: 'some/config.yml' });
      expect(isAlive(ours)).toBe(true);

      const killed = await reclaimStateDir(stateDir);

      expect(killed.map((e) => e.pid)).toEqual([ours]);
      expect(isAlive(ours)).toBe(false);
      expect(isAlive(reused)).toBe(true);
      expect(readPidFile(stateDir)).toEqual([]);
    } finally {
      for (const pid of [ours, reused]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('refuses a state directory whose supervisor is still running', async () => {
    const stateDir = await tmpDir('pids');
    const tag = `promoter-supervisor-${process.pid}-${Date.now()}`;
    const supervisor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', tag], {
      stdio: 'ignore',
    });
    try {
      recordPid(stateDir, { name: SUPERVISOR, pid: supervisor.pid ?? -1, marker: tag });
      await expect(reclaimStateDir(stateDir)).rejects.toBeInstanceOf(AlreadyRunningError);
      expect(isAlive(supervisor.pid ?? -1)).toBe(true);
    } finally {
      supervisor.kill('SIGKILL');
    }
  });
});

describe('assertPortFree', () => {
  it('names the setting to change when another program holds the port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(assertPortFree(port, 'PROMOTER_LOCAL_REGISTRY_PORT')).rejects.toThrow(
        `port ${port} is in use by another program; set PROMOTER_LOCAL_REGISTRY_PORT`,
      );
    } finally {
      server.close();
    }
    await expect(assertPortFree(port, 'PROMOTER_LOCAL_REGISTRY_PORT')).resolves.toBeUndefined();
  });
});

describe('the registry binary', () => {
  it.each([
    [{ ID: 'debian' }, true],
    [{ ID: 'ubuntu', ID_LIKE: 'debian' }, true],
    [{ ID: 'linuxmint', ID_LIKE: 'ubuntu debian' }, true],
    [{ ID: 'fedora', ID_LIKE: 'rhel centos' }, false],
    [{}, false],
  ])('treats os-release %o as Debian-like: %s', (osRelease, expected) => {
    expect(isDebianLike(osRelease)).toBe(expected);
  });

  it('is looked up on PATH as docker-registry, then registry', async () => {
    const bin = await tmpDir('bin');
    expect(findRegistryBinary({ PATH: bin })).toBeUndefined();
    await writeFile(path.join(bin, 'registry'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findRegistryBinary({ PATH: bin })).toBe(path.join(bin, 'registry'));
    await writeFile(path.join(bin, 'docker-registry'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findRegistryBinary({ PATH: bin })).toBe(path.join(bin, 'docker-registry'));
  });

  it('says how to install it on this platform when it is missing', () => {
    expect(new MissingRegistryError().message).toContain(
      isDebianLike() ? 'sudo apt-get install -y docker-registry' : 'CNCF distribution registry',
    );
  });
});

describe('the local settings', () => {
  it('default to ports 7071, 5000, 5001, 10002 and <project>/.promoter', () => {
    expect(readLocalSettings({}, '/p')).toEqual({
      hostPort: 7071,
      registryPort: 5000,
      productionPort: 5001,
      tablesPort: 10002,
      stateDir: '/p/.promoter',
      externalRegistry: undefined,
    });
  });

  it('start no registry when PROMOTER_REGISTRY names a remote one, and reuse a local port', () => {
    expect(
      readLocalSettings({ PROMOTER_REGISTRY: 'myacr.azurecr.io' }, '/p').externalRegistry,
    ).toBe('myacr.azurecr.io');
    const local = readLocalSettings({ PROMOTER_REGISTRY: 'localhost:5001' }, '/p');
    expect(local).toMatchObject({ externalRegistry: undefined, registryPort: 5001 });
  });

  it('name the variable holding a bad port', () => {
    expect(() => readLocalSettings({ PROMOTER_LOCAL_TABLES_PORT: 'x' }, '/p')).toThrow(
      'PROMOTER_LOCAL_TABLES_PORT must be a port number (1-65535), got "x"',
    );
  });
});

describe('the webhook secret', () => {
  it('is generated once, saved with mode 0600, and kept across restarts', async () => {
    const stateDir = await tmpDir('secret');
    const first = await readOrCreateWebhookSecret({}, stateDir);
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = path.join(stateDir, 'webhook-secret');
    expect(first.source).toEqual({ file, created: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await readOrCreateWebhookSecret({}, stateDir)).secret).toBe(first.secret);
  });

  it('comes from PROMOTER_WEBHOOK_SECRET when it is set', async () => {
    const env = { PROMOTER_WEBHOOK_SECRET: 'from-the-environment-1234' };
    expect(await readOrCreateWebhookSecret(env, await tmpDir('secret'))).toEqual({
      secret: 'from-the-environment-1234',
      source: 'env',
    });
  });
});

// Keep the fixture files readable by the other tests.
it('keeps the saved distribution fixtures parseable envelopes', async () => {
  for (const name of ['distribution-push.json', 'distribution-push-index.json']) {
    const body = await readFile(path.join(fixtureDir, name), 'utf8');
    expect(envelopeSchema.parse(JSON.parse(body)).events.length).toBeGreaterThan(0);
  }
});
