import type { CopyReport, ImageLocation } from '../../ports/imageCopier.js';
import type { Referrer } from '../../ports/registry.js';
import { BlobCopy, type CopyCounts } from './distributionBlobCopy.js';
import { answerOf, type OciClient, type Tally } from './ociClient.js';
import {
  descriptorSchema,
  headManifest,
  indexSchema,
  requireManifest,
  type Descriptor,
} from './ociManifests.js';
import { listReferrers, mergedTagSchema, schemaTag, type ReferrersState } from './ociReferrers.js';

/** How deep referrers of referrers are followed (a signature of an SBOM of the image: 2). */
const REFERRER_DEPTH = 2;

const manifestShape = (content: Uint8Array) =>
  JSON.parse(Buffer.from(content).toString('utf8')) as {
    schemaVersion?: number;
    manifests?: unknown;
    config?: unknown;
    layers?: unknown;
  };

/** One copy: its counts, and what it has done already (each manifest and blob once). */
export class CopyRun {
  private readonly tally: Tally = { requests: 0 };
  private readonly counts: CopyCounts = {
    manifestsWritten: 0,
    blobsUploaded: 0,
    bytesUploaded: 0,
    blobsPresent: 0,
    blobsMounted: 0,
  };
  private readonly copied = new Map<string, Promise<Written>>();
  private readonly blobCopy: BlobCopy;
  private readonly referrers = new Set<string>();
  private readonly src: OciClient;
  private readonly dst: OciClient;

  constructor(
    private readonly from: { client: OciClient; referrers: ReferrersState },
    to: { client: OciClient },
    private readonly source: ImageLocation,
    private readonly target: ImageLocation,
    private readonly limits: { idleMs: number; concurrency: number },
  ) {
    this.src = from.client;
    this.dst = to.client;
    this.blobCopy = new BlobCopy(
      this.src,
      this.dst,
      source,
      target,
      this.tally,
      this.counts,
      limits,
    );
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
      ...this.counts,
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
      await this.pool(blobs, (blob) => this.blobCopy.blob(blob));
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
    this.counts.manifestsWritten += 1;
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

  /** Adds `entries` to the target's referrers tag schema index of `subject` (`mergedTagSchema`). */
  private async addToTagSchema(subject: string, entries: readonly Descriptor[]): Promise<void> {
    const tag = schemaTag(subject);
    const doing = `updating the referrers index ${this.at(this.target)}:${tag}`;
    const index = await mergedTagSchema(this.dst, this.target.repository, subject, entries, {
      doing,
      tally: this.tally,
      scopes: this.dstPush,
    });
    if (index !== undefined) await this.putManifest(index, tag);
  }
}

/** What writing one manifest gave: its descriptor, and whether the target indexed its subject. */
interface Written {
  readonly descriptor: Descriptor;
  readonly indexesSubject: boolean;
}
