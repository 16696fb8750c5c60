import { createHash } from 'node:crypto';
import { NotFoundError, TransientError } from '../../src/domain/errors.js';
import {
  COSIGN_ARTIFACT_TYPES,
  type CosignKind,
  type ListedTag,
  type RawManifest,
  type Referrer,
  type ReferrerListing,
  type Registry,
  type TagListing,
} from '../../src/ports/registry.js';
const digestOf = (content: Uint8Array) =>
  `sha256:${createHash('sha256').update(content).digest('hex')}`;

/** Runs `body` now and answers as a registry client does: what it throws becomes a rejection. */
const settle = <T>(body: () => T): Promise<T> =>
  new Promise<T>((resolve) => {
    resolve(body());
  });

/**
 * An in-memory registry for use-case tests, counting calls and able to fail on demand. Same
 * contract as the ACR adapter on a registry without tag locks (test/contracts/registryContract.ts
 * runs both); `isAcr = true` adds ACR's tag locks and lists tags as ACR does (newest first, with
 * digests and update times, stopping at `updatedSince`). It stores any bytes: unlike a real registry
 * it does not check that a manifest parses or that its blobs exist. It has the referrers API:
 * `listReferrers` finds the stored manifests whose `subject` is the digest, and cosign's tags.
 */
export class MemoryRegistry implements Registry {
  readonly manifests = new Map<string, RawManifest>();
  readonly tags = new Map<string, string>();
  /** Blobs (image configs) by `repository@digest`. */
  readonly blobs = new Map<string, Uint8Array>();
  /** When each tag (`repository:tag`) was last written, by `putManifest` or `setTag`. */
  readonly tagUpdatedAt = new Map<string, Date>();
  /** The time tag writes are stamped with (tests move it). */
  now: () => Date = () => new Date();
  readonly locked = new Set<string>();
  readonly calls: string[] = [];
  /** Fail the next N calls of this operation with a TransientError. */
  readonly failNext = new Map<string, number>();
  isAcr = false;
  /**
   * Awaited at the start of every call, with the operation's name: tests use it to interleave
   * a competing write (a promotion landing between a check's reads and its write).
   */
  beforeCall: ((op: string) => Promise<void> | void) | undefined;
  /** Answers given by `resolveTag` before the tag's current digest, per `repository:tag`. */
  private readonly lagging = new Map<string, string[]>();

  /**
   * Has the next `times` `resolveTag` calls of `tag` answer `digest` (what it held before), as
   * a registry does whose notification of a write arrives before the write is visible.
   */
  answerBefore(repository: string, tag: string, digest: string, times = 1): void {
    this.lagging.set(`${repository}:${tag}`, Array<string>(times).fill(digest));
  }

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

  async getManifest(repository: string, digest: string): Promise<RawManifest> {
    await this.beforeCall?.('getManifest');
    return settle(() => {
      this.enter('getManifest');
      const m = this.manifests.get(`${repository}@${digest}`);
      if (!m) throw new NotFoundError(`fetching ${repository}@${digest}: not found`);
      return m;
    });
  }

  /** Stores a blob (an image config) and returns its digest. */
  addBlob(repository: string, text: string): string {
    const content = new TextEncoder().encode(text);
    const digest = digestOf(content);
    this.blobs.set(`${repository}@${digest}`, content);
    return digest;
  }

  async getBlob(repository: string, digest: string): Promise<Uint8Array> {
    await this.beforeCall?.('getBlob');
    return settle(() => {
      this.enter('getBlob');
      const blob = this.blobs.get(`${repository}@${digest}`);
      if (!blob) throw new NotFoundError(`fetching blob ${repository}@${digest}: not found`);
      return blob;
    });
  }

  async resolveTag(repository: string, tag: string): Promise<string | undefined> {
    await this.beforeCall?.('resolveTag');
    return settle(() => {
      this.enter('resolveTag');
      const key = `${repository}:${tag}`;
      const lag = this.lagging.get(key);
      if (lag !== undefined && lag.length > 0) return lag.shift();
      return this.tags.get(key);
    });
  }

  /** Stores a copy of the bytes under the digest they hash to, whatever `manifest.digest` says. */
  async putManifest(repository: string, tag: string, manifest: RawManifest): Promise<string> {
    await this.beforeCall?.('putManifest');
    return settle(() => {
      this.enter('putManifest');
      if (this.locked.has(`${repository}:${tag}`)) throw new Error(`${tag} is locked`);
      const content = Uint8Array.from(manifest.content);
      const digest = digestOf(content);
      this.manifests.set(`${repository}@${digest}`, {
        content,
        mediaType: manifest.mediaType,
        digest,
      });
      this.setTag(repository, tag, digest);
      return digest;
    });
  }

  /** Deletes the manifest and every tag on it, as a registry does. */
  deleteManifest(repository: string, digest: string): Promise<'deleted' | 'not-found'> {
    return settle(() => {
      this.enter('deleteManifest');
      if (!this.manifests.delete(`${repository}@${digest}`)) return 'not-found';
      for (const [key, tagged] of this.tags)
        if (tagged === digest && key.startsWith(`${repository}:`)) this.tags.delete(key);
      return 'deleted';
    });
  }

  /** Points `tag` at `digest`, as a push under that tag does (no call is counted). */
  setTag(repository: string, tag: string, digest: string): void {
    this.tags.set(`${repository}:${tag}`, digest);
    this.tagUpdatedAt.set(`${repository}:${tag}`, this.now());
  }

  listRepositories(): Promise<{ names: string[]; requests: number }> {
    return settle(() => {
      this.enter('listRepositories');
      const names = new Set<string>();
      for (const key of [...this.tags.keys(), ...this.manifests.keys()])
        names.add(key.replace(/[:@][^/]*$/, ''));
      return { names: [...names].sort(), requests: 1 };
    });
  }

  listTags(
    repository: string,
    options: { updatedSince?: Date | undefined } = {},
  ): Promise<TagListing> {
    return settle(() => {
      this.enter('listTags');
      const prefix = `${repository}:`;
      const tags: (ListedTag & { at: number })[] = [];
      for (const [key, digest] of this.tags) {
        if (!key.startsWith(prefix)) continue;
        const at = this.tagUpdatedAt.get(key)?.getTime() ?? 0;
        const tag = key.slice(prefix.length);
        tags.push(
          this.isAcr ? { tag, digest, updatedAt: new Date(at).toISOString(), at } : { tag, at },
        );
      }
      if (!this.isAcr)
        return { tags: tags.map(({ tag }) => ({ tag })), complete: true, requests: 1 };
      tags.sort((a, b) => b.at - a.at);
      const since = options.updatedSince?.getTime();
      const kept = since === undefined ? tags : tags.filter((t) => t.at >= since);
      return {
        tags: kept.map(({ tag, digest, updatedAt }) => ({ tag, digest, updatedAt })),
        complete: kept.length === tags.length,
        requests: 1,
      };
    });
  }

  lockTag(repository: string, tag: string): Promise<boolean> {
    return settle(() => {
      this.enter('lockTag');
      if (!this.isAcr) return false;
      this.locked.add(`${repository}:${tag}`);
      return true;
    });
  }

  listReferrers(repository: string, digest: string): Promise<ReferrerListing> {
    return settle(() => {
      this.enter('listReferrers');
      const found = new Map<string, Referrer>();
      for (const [key, manifest] of this.manifests) {
        if (!key.startsWith(`${repository}@`)) continue;
        const json = parseManifest(manifest.content);
        if (json?.subject?.digest !== digest) continue;
        found.set(manifest.digest, {
          digest: manifest.digest,
          mediaType: manifest.mediaType,
          artifactType: json.artifactType ?? json.config?.mediaType ?? manifest.mediaType,
          ...(json.annotations === undefined ? {} : { annotations: json.annotations }),
        });
      }
      for (const kind of Object.keys(COSIGN_ARTIFACT_TYPES) as CosignKind[]) {
        const tag = `${digest.replace(':', '-')}.${kind}`;
        const tagged = this.tags.get(`${repository}:${tag}`);
        const manifest =
          tagged === undefined ? undefined : this.manifests.get(`${repository}@${tagged}`);
        if (manifest === undefined) continue;
        found.set(manifest.digest, {
          ...found.get(manifest.digest),
          digest: manifest.digest,
          mediaType: manifest.mediaType,
          artifactType: COSIGN_ARTIFACT_TYPES[kind],
          tag,
        });
      }
      const referrers = [...found.values()].sort((a, b) => a.digest.localeCompare(b.digest));
      return { referrers, requests: 1 };
    });
  }
}

/** The fields of a stored manifest `listReferrers` reads, or undefined when it is not JSON. */
function parseManifest(content: Uint8Array):
  | {
      subject?: { digest?: string };
      artifactType?: string;
      config?: { mediaType?: string };
      annotations?: Record<string, string>;
    }
  | undefined {
  try {
    return JSON.parse(new TextDecoder().decode(content)) as ReturnType<typeof parseManifest>;
  } catch {
    return undefined;
  }
}
