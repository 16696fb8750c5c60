import { randomUUID } from 'node:crypto';
import { request, type Agent } from 'node:http';

/** A push event as the registry would send it: ACR's single event, or distribution's envelope. */
export function pushEvent(
  registry: string,
  repository: string,
  digest: string,
  sha: string,
  acrFormat: boolean,
): string {
  const event = {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: 'push',
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 401,
      digest,
      length: 401,
      repository,
      tag: `git-${sha}`,
    },
    request: { id: randomUUID(), host: registry, method: 'PUT', useragent: 'promoter-bench' },
  };
  return JSON.stringify(acrFormat ? event : { events: [event] });
}

/** POSTs a webhook body to `/api/hooks/registry` of the host on `port`, with the shared secret. */
export function postWebhook(
  agent: Agent,
  port: number,
  secret: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/hooks/registry',
        agent,
        headers: {
          authorization: `Bearer ${secret}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error('webhook request timed out')));
    req.once('error', reject);
    req.end(body);
  });
}
