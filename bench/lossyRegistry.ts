import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startRegistry, type RegistryService } from '../src/local/services/registry.js';
import { freePort } from '../src/local/services/tcpPorts.js';

/**
 * One more distribution registry, with the certificate of one already running (`certFile`,
 * its key `localhost.key` beside it), so whoever trusts that one (this process, skopeo with its
 * cert dir) trusts this one too; its notifications go to `notify.url`, or nowhere at all.
 */
export async function startRegistryLike(
  certFile: string,
  stateDir: string,
  notify: { readonly url: string; readonly secret: string } | undefined,
): Promise<RegistryService> {
  const tls = path.join(stateDir, 'tls');
  mkdirSync(tls, { recursive: true });
  copyFileSync(certFile, path.join(tls, 'localhost.crt'));
  copyFileSync(path.join(path.dirname(certFile), 'localhost.key'), path.join(tls, 'localhost.key'));
  return startRegistry({
    stateDir,
    port: await freePort(),
    notifyUrl: notify?.url,
    notifyHeaders: notify === undefined ? {} : { Authorization: `Bearer ${notify.secret}` },
  });
}

/** The tags a registry notification body names (`{"events":[{"target":{"tag":…}}]}`). */
function tagsOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { events?: { target?: { tag?: unknown } }[] };
    return (parsed.events ?? []).flatMap((e) =>
      typeof e.target?.tag === 'string' ? [e.target.tag] : [],
    );
  } catch {
    return [];
  }
}

/** A stand-in for a webhook endpoint that loses deliveries, as ACR loses an unanswered event. */
export interface DroppingProxy {
  /** `http://127.0.0.1:<port>/api/hooks/registry`: give it to the registry. */
  readonly url: string;
  /** Deliveries answered 200 and never forwarded. */
  readonly dropped: string[][];
  /** Deliveries forwarded to the host. */
  readonly forwarded: string[][];
  /** Where deliveries go; set once the host listens. */
  target: string | undefined;
  close(): Promise<void>;
}

/**
 * An HTTP endpoint between the registry and the host's webhook that drops every delivery
 * naming a tag `drop` chooses: it answers 200, so the registry never sends it again (a lost
 * ACR event). Every other delivery is forwarded with its headers and answered as the host
 * answered.
 */
export async function startDroppingProxy(drop: (tag: string) => boolean): Promise<DroppingProxy> {
  const proxy: DroppingProxy = {
    url: '',
    dropped: [],
    forwarded: [],
    target: undefined,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const tags = tagsOf(body);
      if (tags.some(drop) || proxy.target === undefined) {
        proxy.dropped.push(tags);
        res.writeHead(200).end();
        return;
      }
      proxy.forwarded.push(tags);
      fetch(proxy.target, {
        method: 'POST',
        headers: {
          'content-type': req.headers['content-type'] ?? 'application/json',
          authorization: req.headers.authorization ?? '',
        },
        body,
      })
        .then(async (answer) => {
          res.writeHead(answer.status).end(await answer.text());
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}/api/hooks/registry`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  });
}
