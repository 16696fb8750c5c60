import { createHash } from 'node:crypto';
import { NotFoundError, TransientError } from '../../src/domain/errors.js';
import type { RawManifest, Registry } from '../../src/ports/registry.js';
const digestOf = (content: Uint8Array) =>
  `sha256:${createHash('sha256').update(content).digest('hex')}`;

/** An in-memory registry for use-case tests, counting calls and able to fail on demand. */
export class MemoryRegistry implements Registry {
  readonly manifests = new Map<string, RawManifest>();
  readonly tags = new Map<string, string>();
  readonly locked = new Set<string>();
  readonly calls: string[] = [];
  /** Fail the next N calls of this operation with a TransientError. */
  readonly failNext = new Map<string, number>();
  isAcr = false;

  /** Stores a manifest (as a push would) and returns its digest. */
  add(
    repository: string,
    text: string,
    mediaType = 'application/vnd.oci.image.manifest.v1+json',
  ): string {
    const content = new TextEncoder().encode(text);
    const digest = digestOf(content);
    this.manifests.set(`${repository}@${digest}`, { content, mediaType, digest });
    return digest;
  }

  private enter(op: string) {
    this.calls.push(op);
    const n = this.failNext.get(op) ?? 0;
    if (n > 0) {
      this.failNext.set(op, n - 1);
      throw new TransientError(`${op}: registry unavailable: 503`);
    }
  }

  getManifest(repository: string, digest: string): Promise<RawManifest> {
    this.enter('getManifest');
    const m = this.manifests.get(`${repository}@${digest}`);
    if (!m) return Promise.reject(new NotFoundError(`${repository}@${digest} not found`));
    return Promise.resolve(m);
  }

  resolveTag(repository: string, tag: string): Promise<string | undefined> {
    this.enter('resolveTag');
    return Promise.resolve(this.tags.get(`${repository}:${tag}`));
  }

  putManifest(repository: string, tag: string, manifest: RawManifest): Promise<string> {
    this.enter('putManifest');
    if (this.locked.has(`${repository}:${tag}`))
      return Promise.reject(new Error(`${tag} is locked`));
    const digest = digestOf(manifest.content);
    this.manifests.set(`${repository}@${digest}`, manifest);
    this.tags.set(`${repository}:${tag}`, digest);
    return Promise.resolve(digest);
  }

  /** Deletes the manifest and every tag on it, as a registry does. */
  deleteManifest(repository: string, digest: string): Promise<'deleted' | 'not-found'> {
    this.enter('deleteManifest');
    if (!this.manifests.delete(`${repository}@${digest}`)) return Promise.resolve('not-found');
    for (const [key, tagged] of this.tags)
      if (tagged === digest && key.startsWith(`${repository}:`)) this.tags.delete(key);
    return Promise.resolve('deleted');
  }

  lockTag(repository: string, tag: string): Promise<boolean> {
    this.enter('lockTag');
    if (!this.isAcr) return Promise.resolve(false);
    this.locked.add(`${repository}:${tag}`);
    return Promise.resolve(true);
  }
}
