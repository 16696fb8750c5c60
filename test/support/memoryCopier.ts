import { TransientError } from '../../src/domain/errors.js';
import type { CopyReport, ImageCopier, ImageLocation } from '../../src/ports/imageCopier.js';
import type { MemoryRegistry } from './memoryRegistry.js';

/**
 * An `ImageCopier` between `MemoryRegistry`s, by login server, for use-case tests: copies the
 * manifest stored under the digest (no tag), as the real copiers do; idempotent (a second copy
 * writes nothing); fails on demand. It copies no children or referrers: a `MemoryRegistry`
 * does not parse manifests. The real copiers' own suites test those.
 */
export class MemoryCopier implements ImageCopier {
  /** Every copy asked for: `from → to @digest`. */
  readonly calls: string[] = [];
  /** Fail the next N copies with a TransientError, as a target that is down does. */
  failNext = 0;

  constructor(private readonly registries: ReadonlyMap<string, MemoryRegistry>) {}

  private at(location: ImageLocation): MemoryRegistry {
    const registry = this.registries.get(location.registry);
    if (!registry) throw new Error(`no registry ${location.registry} in this test`);
    return registry;
  }

  async copy(source: ImageLocation, target: ImageLocation, digest: string): Promise<CopyReport> {
    this.calls.push(
      `${source.registry}/${source.repository} → ${target.registry}/${target.repository} @${digest}`,
    );
    if (this.failNext > 0) {
      this.failNext--;
      throw new TransientError(`copying ${digest} to ${target.registry}: 503 Service Unavailable`);
    }
    // A digest the source does not hold is the source's NotFoundError, as the contract says.
    const manifest = await this.at(source).getManifest(source.repository, digest);
    const into = this.at(target);
    const key = `${target.repository}@${digest}`;
    const present = into.manifests.has(key);
    if (!present) into.manifests.set(key, manifest);
    return {
      digest,
      manifestsWritten: present ? 0 : 1,
      blobsUploaded: present ? 0 : 2,
      bytesUploaded: present ? 0 : 1000,
      blobsPresent: present ? 2 : 0,
      blobsMounted: 0,
      referrers: [],
      requests: present ? 3 : 7,
    };
  }
}
