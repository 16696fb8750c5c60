import { Agent, request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** Fast, direct manifest lookups against the registry (keep-alive TLS, its certificate only). */
export class RegistryProbe {
  private readonly agent: Agent;
  /** Failed polls (non-200/404 answers, connection errors), oldest first. */
  readonly errors: string[] = [];

  constructor(
    private readonly port: number,
    ca: Buffer,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 4, ca, servername: 'localhost' });
  }

  /** `HEAD /v2/<repo>/manifests/<ref>`: its `Docker-Content-Digest`, or undefined on 404. */
  headDigest(repository: string, ref: string): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'HEAD',
          path: `/v2/${repository}/manifests/${ref}`,
          headers: { accept: ACCEPT, 'user-agent': 'promoter-bench' },
          agent: this.agent,
          timeout: 5000,
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          if (status === 404) resolve(undefined);
          else if (status === 200) resolve(String(res.headers['docker-content-digest'] ?? ''));
          else reject(new Error(`HEAD ${repository}:${ref} answered ${status}`));
        },
      );
      req.once('timeout', () => req.destroy(new Error(`HEAD ${repository}:${ref} timed out`)));
      req.once('error', reject);
      req.end();
    });
  }

  /**
   * Polls `tag` every `intervalMs` until it names `digest`; resolves to `performance.now()` at
   * the answer that showed it. Throws after `timeoutMs`.
   */
  async waitForDigest(
    repository: string,
    tag: string,
    digest: string,
    options: { intervalMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<number> {
    const deadline = performance.now() + (options.timeoutMs ?? 20_000);
    let last: string | undefined;
    while (performance.now() < deadline) {
      options.signal?.throwIfAborted();
      try {
        last = await this.headDigest(repository, tag);
      } catch (error) {
        // The distribution registry's filesystem storage rewrites a tag's link file in place:
        // a HEAD racing a tag move can get a 500. Counted, and polled again.
        this.errors.push(error instanceof Error ? error.message : String(error));
        last = undefined;
      }
      const seen = performance.now();
      if (last === digest) return seen;
      await sleep(options.intervalMs ?? 5);
    }
    throw new Error(`${repository}:${tag} is ${last ?? 'absent'}, not ${digest}, after waiting`);
  }

  close(): void {
    this.agent.destroy();
  }
}
