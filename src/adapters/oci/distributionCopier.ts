import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { NotFoundError, TransientError } from '../../domain/errors.js';
import type {
  CopyReport,
  ImageCopier,
  ImageLocation,
  RegistrySignIn,
} from '../../ports/imageCopier.js';
import type { Referrer } from '../../ports/registry.js';
import { answerOf, createOciClient, unreachable, type OciClient, type Tally } from './ociClient.js';
import {
  descriptorSchema,
  getManifest,
  headManifest,
  indexSchema,
  listReferrers,
  OCI_INDEX,
  requireManifest,
  schemaTag,
  type Descriptor,
  type ReferrersState,
} from './ociReferrers.js';

/** How the copier reaches registries. */
export interface DistributionCopierOptions {
  /** How promoter signs in to each registry it copies from or to (the pipeline's `registries`). */
  readonly signIn: (registry: string) => RegistrySignIn;
  /** The identity for registries signed in to with `kind: 'azure'` (ACR's token exchange). */
  readonly credential?: TokenCredential | undefined;
  /** Entra ID audience of ACR (sovereign clouds); default `https://containerregistry.azure.net`. */
  readonly audience?: string | undefined;
  /** Deadline of each request without a streamed body (30 s). */
  readonly timeoutInMs?: number | undefined;
  /**
   * How long a streamed blob may go without a byte moving before the copy gives up with a
   * `TransientError` (30 s): a deadline on progress, not on the whole blob, so a large layer
   * on a slow link is not cut off while it moves.
   */
  readonly idleTimeoutInMs?: number | undefined;
  /** Blobs of one manifest copied at a time (4). */
  readonly concurrency?: number | undefined;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** The distribution spec's repository name grammar. */
const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** How deep referrers of referrers are followed (a signature of an SBOM of the image: 2). */
const REFERRER_DEPTH = 2;

const manifestShape = (content: Uint8Array) =>
  JSON.parse(Buffer.from(content).toString('utf8')) as {
    schemaVersion?: number;
    manifests?: unknown;
    config?: unknown;
    layers?: unknown;
  };

/**
 * The `ImageCopier` over the OCI distribution API, for any pair of registries (ACR to ACR goes
 * through ARM import instead). One copy:
 * 1. HEADs the digest at the target: there already (a redelivery, or another stage of the same
 *    registry), its whole tree is there too, since registries take a manifest only once what
 *    it references is stored; then only the referrers are looked at.
 * 2. Else GETs the manifest, checks its digest, copies every child manifest of an index
 *    first (depth first, each written before its parent), and each blob of an image manifest:
 *    on the same registry a cross-repository mount (one POST); elsewhere a HEAD at the target,
 *    and only when it is missing, a POST for an upload and one PUT whose body streams the
 *    source's GET through a sha256 check (never a whole blob in memory; the registry checks
 *    the `digest` too). Then PUTs the exact bytes by digest and checks the digest answered.
 * 3. Copies the referrers of the digest (`listReferrers` at the source) and theirs, each
 *    as in 2: one found under a cosign tag is written under that tag at the target too, unless
 *    the target's tag points elsewhere (then the target's is left alone); one found by its
 *    subject is, where the target does not index subjects itself (no `OCI-Subject` in the
 *    PUT's answer), added to the target's referrers tag schema index `sha256-<hex>`.
 * No tag of the image is written. Idempotent: a copy cut off part way resumes, uploading
 * nothing the target holds. Requests and uploaded bytes are counted in the report.
 */
export function createDistributionCopier(options: DistributionCopierOptions): ImageCopier {
  const clients = new Map<string, { client: OciClient; referrers: ReferrersState }>();
  const idleMs = options.idleTimeoutInMs ?? 30_000;
  const concurrency = Math.max(1, options.concurrency ?? 4);

  function clientOf(registry: string) {
    let found = clients.get(registry);
    if (found === undefined) {
      found = {
        client: createOciClient({
          registry,
          signIn: options.signIn(registry),
          credential: options.credential,
          audience: options.audience,
          timeoutInMs: options.timeoutInMs,
        }),
        referrers: {},
      };
      clients.set(registry, found);
    }
    return found;
  }

  return {
    async copy(source, target, digest) {
      checkLocation('source', source);
      checkLocation('target', target);
      if (!DIGEST.test(digest))
        throw new Error(`digest: "${digest}" is not a sha256 digest (sha256:<64 hex>)`);
      const run = new CopyRun(
        clientOf(source.registry),
        clientOf(target.registry),
        source,
        target,
        {
          idleMs,
          concurrency,
        },
      );
      return run.copy(digest);
    },
  };
}

function checkLocation(field: 'source' | 'target', location: ImageLocation): void {
  if (location.registry === '' || location.registry.includes('/'))
    throw new Error(
      `${field}.registry: "${location.registry}" is not a login server (host[:port])`,
    );
  if (!NAME.test(location.repository))
    throw new Error(`${field}.repository: "${location.repository}" is not a repository name`);
}

/** One copy: its counts, and what it has done already (each manifest and blob once). */
class CopyRun {
  private readonly tally: Tally = { requests: 0 };
  private manifestsWritten = 0;
  private blobsUploaded = 0;
  private bytesUploaded = 0;
  private blobsPresent = 0;
  private blobsMounted = 0;
  private readonly copied = new Map<string, Promise<Written>>();
  private readonly blobs = new Map<string, Promise<void>>();
  private readonly referrers = new Set<string>();
  private readonly src: OciClient;
  private readonly dst: OciClient;
  private readonly sameRegistry: boolean;

  constructor(
    private readonly from: { client: OciClient; referrers: ReferrersState },
    to: { client: OciClient },
    private readonly source: ImageLocation,
    private readonly target: ImageLocation,
    private readonly limits: { idleMs: number; concurrency: number },
  ) {
    this.src = from.client;
    this.dst = to.client;
    this.sameRegistry = source.registry === target.registry;
  }

  private get srcPull() {
    return [`repository:${this.source.repository}:pull`];
  }

  private get dstPush() {
    return [`repository:${this.target.repository}:pull,push`];
  }

  async copy(digest: string): Promise<CopyReport> {
    const there = await headManifest(
      this.dst,
      this.target.repository,
      digest,
      `checking ${this.at(this.target)}@${digest}`,
      this.tally,
      this.dstPush,
    );
    if (there === undefined) await this.tree(digest, digest);
    await this.copyReferrers(digest, 1);
    return {
      digest,
      manifestsWritten: this.manifestsWritten,
      blobsUploaded: this.blobsUploaded,
      bytesUploaded: this.bytesUploaded,
      blobsPresent: this.blobsPresent,
      blobsMounted: this.blobsMounted,
      referrers: [...this.referrers].sort(),
      requests: this.tally.requests,
    };
  }

  private at(location: ImageLocation): string {
    return `${location.registry}/${location.repository}`;
  }

  /** Copies the manifest `digest` and all it references, and PUTs it under `reference`. */
  private tree(digest: string, reference: string): Promise<Written> {
    const key = `${digest} ${reference}`;
    let pending = this.copied.get(key);
    if (pending === undefined) {
      pending = this.copyTree(digest, reference);
      this.copied.set(key, pending);
    }
    return pending;
  }

  private async copyTree(digest: string, reference: string): Promise<Written> {
    const manifest = await requireManifest(this.src, this.source.repository, digest, this.tally, [
      ...this.srcPull,
    ]);
    const parsed = manifestShape(manifest.content);
    if (parsed.schemaVersion === 1)
      throw new Error(
        `copying ${this.at(this.source)}@${digest}: a Docker schema 1 manifest, which cannot be copied byte for byte; push it again as OCI or Docker schema 2`,
      );
    if (Array.isArray(parsed.manifests)) {
      const children = indexSchema.parse(parsed).manifests;
      // Every child before the index: the target takes an index only when its children are there.
      await this.pool(children, (child) =>
        this.tree(child.digest, child.digest).then(() => undefined),
      );
    } else {
      const blobs = [
        parsed.config,
        ...(Array.isArray(parsed.layers) ? (parsed.layers as unknown[]) : []),
      ]
        .filter((d) => d !== undefined)
        .map((d) => descriptorSchema.parse(d))
        // Foreign layers (urls) are not stored by the registry: nothing to copy.
        .filter((d) => d.urls === undefined || d.urls.length === 0);
      await this.pool(blobs, (blob) => this.blob(blob));
    }
    return this.putManifest(manifest, reference);
  }

  private async putManifest(
    manifest: { content: Uint8Array; mediaType: string; digest: string },
    reference: string,
  ): Promise<Written> {
    const doing = `writing ${this.at(this.target)}@${manifest.digest}${reference === manifest.digest ? '' : ` as ${reference}`}`;
    const response = await this.dst.send({
      method: 'PUT',
      path: `/v2/${this.target.repository}/manifests/${reference}`,
      scopes: this.dstPush,
      headers: { 'content-type': manifest.mediaType },
      body: manifest.content,
      doing,
      tally: this.tally,
    });
    if (response.status !== 201 && response.status !== 200)
      throw new Error(`${doing}: ${await answerOf(response)}`);
    await response.body?.cancel();
    const stored = response.headers.get('docker-content-digest');
    if (stored !== null && stored !== manifest.digest)
      throw new Error(`${doing}: the registry stored it as ${stored}`);
    this.manifestsWritten += 1;
    return {
      descriptor: {
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.content.length,
      },
      indexesSubject: response.headers.get('oci-subject') !== null,
    };
  }

  /** Runs `work` over `items`, `concurrency` at a time; the first failure rejects. */
  private async pool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.limits.concurrency, items.length) }, worker),
    );
  }

  private blob(blob: Descriptor): Promise<void> {
    let pending = this.blobs.get(blob.digest);
    if (pending === undefined) {
      pending = this.copyBlob(blob);
      this.blobs.set(blob.digest, pending);
    }
    return pending;
  }

  private async copyBlob(blob: Descriptor): Promise<void> {
    const name = this.target.repository;
    const doing = `copying blob ${blob.digest} to ${this.at(this.target)}`;
    let location: string;
    if (this.sameRegistry) {
      if (this.source.repository === name) {
        this.blobsPresent += 1;
        return;
      }
      const mount = await this.dst.send({
        method: 'POST',
        path: `/v2/${name}/blobs/uploads/?mount=${blob.digest}&from=${this.source.repository}`,
        scopes: [...this.dstPush, ...this.srcPull],
        doing,
        tally: this.tally,
      });
      await mount.body?.cancel();
      if (mount.status === 201) {
        this.blobsMounted += 1;
        return;
      }
      // 202: the registry did not mount, and opened an upload instead.
      location = uploadLocation(mount, doing);
    } else {
      const head = await this.dst.send({
        method: 'HEAD',
        path: `/v2/${name}/blobs/${blob.digest}`,
        scopes: this.dstPush,
        doing,
        tally: this.tally,
      });
      if (head.ok) {
        this.blobsPresent += 1;
        return;
      }
      if (head.status !== 404) throw new Error(`${doing}: HEAD: HTTP ${head.status}`);
      const start = await this.dst.send({
        method: 'POST',
        path: `/v2/${name}/blobs/uploads/`,
        scopes: this.dstPush,
        doing,
        tally: this.tally,
      });
      await start.body?.cancel();
      location = uploadLocation(start, doing);
    }
    await this.upload(blob, location, doing);
  }

  /** Streams the source's blob into the upload at `location`, checking its digest and size. */
  private async upload(blob: Descriptor, location: string, doing: string): Promise<void> {
    const progress = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const idle = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        progress.abort(
          new TransientError(`${doing}: registry unavailable: no progress for ${ms} ms`),
        );
      }, ms);
    };
    idle(this.limits.idleMs);
    try {
      const got = await this.src.send({
        method: 'GET',
        path: `/v2/${this.source.repository}/blobs/${blob.digest}`,
        scopes: this.srcPull,
        doing,
        tally: this.tally,
        signal: progress.signal,
      });
      if (got.status === 404) {
        await got.body?.cancel();
        throw new NotFoundError(`${doing}: ${this.at(this.source)} holds no blob ${blob.digest}`);
      }
      if (!got.ok || got.body === null) throw new Error(`${doing}: GET: ${await answerOf(got)}`);
      const hash = createHash('sha256');
      let bytes = 0;
      const idleMs = this.limits.idleMs;
      const checked = got.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            idle(idleMs);
            hash.update(chunk);
            bytes += chunk.length;
            controller.enqueue(chunk);
          },
          flush(controller) {
            const actual = `sha256:${hash.digest('hex')}`;
            if (actual !== blob.digest || bytes !== blob.size)
              controller.error(
                new Error(
                  `${doing}: the source sent other bytes (${bytes} bytes, digest ${actual}; the manifest says ${blob.size}, ${blob.digest})`,
                ),
              );
          },
        }),
      );
      const url = new URL(location, `https://${this.target.registry}`);
      url.searchParams.set('digest', blob.digest);
      const put = await this.dst.send({
        method: 'PUT',
        path: url.toString(),
        scopes: this.dstPush,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(blob.size),
        },
        body: checked,
        doing,
        tally: this.tally,
        signal: progress.signal,
      });
      if (put.status !== 201 && put.status !== 204)
        throw new Error(`${doing}: PUT: ${await answerOf(put)}`);
      await put.body?.cancel();
      this.blobsUploaded += 1;
      this.bytesUploaded += blob.size;
    } catch (error) {
      if (progress.signal.aborted && progress.signal.reason instanceof TransientError)
        throw progress.signal.reason;
      if (error instanceof TransientError || error instanceof NotFoundError) throw error;
      if (error instanceof Error && error.message.startsWith(doing)) throw error;
      throw unreachable(doing, error, this.limits.idleMs);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Copies the referrers of `digest`, and theirs down to `REFERRER_DEPTH`. */
  private async copyReferrers(digest: string, depth: number): Promise<void> {
    const { referrers } = await listReferrers(
      this.src,
      this.source.repository,
      digest,
      this.from.referrers,
      this.tally,
    );
    const unindexed: Descriptor[] = [];
    for (const referrer of referrers) {
      if (referrer.tag !== undefined) {
        if (!(await this.copyTagged(referrer, referrer.tag))) continue;
      } else {
        const written = await this.tree(referrer.digest, referrer.digest);
        if (!written.indexesSubject)
          unindexed.push({
            ...written.descriptor,
            artifactType: referrer.artifactType,
            ...(referrer.annotations === undefined
              ? {}
              : { annotations: { ...referrer.annotations } }),
          });
      }
      this.referrers.add(referrer.digest);
      if (depth < REFERRER_DEPTH) await this.copyReferrers(referrer.digest, depth + 1);
    }
    if (unindexed.length > 0) await this.addToTagSchema(digest, unindexed);
  }

  /**
   * A referrer found under a cosign tag, written under that tag at the target; false when the
   * target's tag points to another manifest (left alone: it may hold the target's own
   * signatures, which writing over would lose).
   */
  private async copyTagged(referrer: Referrer, tag: string): Promise<boolean> {
    const there = await headManifest(
      this.dst,
      this.target.repository,
      tag,
      `checking ${this.at(this.target)}:${tag}`,
      this.tally,
      this.dstPush,
    );
    if (there !== undefined) return there.digest === referrer.digest;
    await this.tree(referrer.digest, tag);
    return true;
  }

  /**
   * Adds `entries` to the referrers tag schema index of `subject` at the target (the index
   * under tag `sha256-<hex>`, created when missing), keeping what it lists already, as the
   * distribution spec asks of a client pushing to a registry without the referrers API. Two
   * writers at once may lose one's entry (the spec offers no compare-and-swap); a later copy
   * adds it again.
   */
  private async addToTagSchema(subject: string, entries: readonly Descriptor[]): Promise<void> {
    const tag = schemaTag(subject);
    const doing = `updating the referrers index ${this.at(this.target)}:${tag}`;
    const current = await getManifest(
      this.dst,
      this.target.repository,
      tag,
      doing,
      this.tally,
      this.dstPush,
    );
    const listed =
      current === undefined
        ? []
        : indexSchema.parse(JSON.parse(Buffer.from(current.content).toString('utf8'))).manifests;
    const known = new Set(listed.map((d) => d.digest));
    const missing = entries.filter((d) => !known.has(d.digest));
    if (missing.length === 0) return;
    const content = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [...listed, ...missing],
      }),
    );
    const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    await this.putManifest({ content, mediaType: OCI_INDEX, digest }, tag);
  }
}

/** What writing one manifest gave: its descriptor, and whether the target indexed its subject. */
interface Written {
  readonly descriptor: Descriptor;
  readonly indexesSubject: boolean;
}

function uploadLocation(response: Response, doing: string): string {
  const location = response.headers.get('location');
  if (response.status !== 202 || location === null)
    throw new Error(`${doing}: the registry opened no upload (HTTP ${response.status})`);
  return location;
}
