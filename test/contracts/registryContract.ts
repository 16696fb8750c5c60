import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NotFoundError } from '../../src/domain/errors.js';
import {
  COSIGN_ARTIFACT_TYPES,
  type RawManifest,
  type Registry,
} from '../../src/ports/registry.js';

/** A registry under test, holding one image pushed as CI pushes it (not through the port). */
export interface RegistryUnderTest {
  readonly registry: Registry;
  /** A repository of this suite alone, holding the image. */
  readonly repository: string;
  /** The tag the image was pushed under. */
  readonly tag: string;
  /** The digest of its manifest. */
  readonly digest: string;
  /**
   * Stores beside `subject` (a manifest of `repository`), as cosign and oras would: a
   * signature under cosign's tag `sha256-<hex>.sig`, and an artifact of `artifactType` whose
   * `subject` is it (listed in the referrers tag schema index where the registry has no
   * referrers API). Their digests.
   */
  readonly attach: (subject: RawManifest) => Promise<{ signature: string; artifact: string }>;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** The `artifactType` of the artifacts `attach` stores. */
export const ARTIFACT_TYPE = 'application/spdx+json';

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

const manifestJson = z.looseObject({
  annotations: z.record(z.string(), z.string()).optional(),
});

/**
 * Another manifest of the same image (same config and layers, so any registry takes it): the
 * pushed one with an annotation `label`, serialised with `indent` spaces so that its bytes are
 * not what a re-serialisation would give.
 */
function variantOf(base: RawManifest, label: string, indent = 3): RawManifest {
  const json = manifestJson.parse(JSON.parse(Buffer.from(base.content).toString('utf8')));
  const annotated = {
    ...json,
    annotations: { ...json.annotations, 'org.example.promoter.contract': label },
  };
  const content = new TextEncoder().encode(`${JSON.stringify(annotated, null, indent)}\n`);
  return { content, mediaType: base.mediaType, digest: sha256(content) };
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

/**
 * What every `Registry` does (src/ports/registry.ts) on a registry without ACR's tag locks,
 * stated once for the in-memory fake and the ACR adapter on the distribution registry.
 * `setUp` runs once for the suite; each test writes tags and manifests of its own, so tests
 * do not see each other's.
 */
export function registryContract(name: string, setUp: () => Promise<RegistryUnderTest>): void {
  describe(`Registry contract: ${name}`, () => {
    let registry: Registry;
    let attach: RegistryUnderTest['attach'];
    let repository: string;
    let pushed: { readonly tag: string; readonly digest: string };
    let base: RawManifest;

    beforeAll(async () => {
      const subject = await setUp();
      ({ registry, repository, attach } = subject);
      pushed = { tag: subject.tag, digest: subject.digest };
      base = await registry.getManifest(repository, pushed.digest);
    });

    it('getManifest returns what is stored under a digest: bytes that hash to it, and their media type', async () => {
      const got = await registry.getManifest(repository, pushed.digest);

      expect(got.digest).toBe(pushed.digest);
      expect(sha256(got.content)).toBe(pushed.digest);
      expect(got.mediaType).toBe(OCI_MANIFEST);
    });

    it('getManifest of a digest the repository does not hold, or of a repository that does not exist, is a NotFoundError naming it', async () => {
      const missing = sha256(randomBytes(16));
      const elsewhere = unique('contract/none');

      const notHeld = await failureOf(registry.getManifest(repository, missing));
      const noRepository = await failureOf(registry.getManifest(elsewhere, pushed.digest));

      expect(notHeld).toBeInstanceOf(NotFoundError);
      expect((notHeld as Error).message).toContain(`${repository}@${missing}`);
      expect(noRepository).toBeInstanceOf(NotFoundError);
      expect((noRepository as Error).message).toContain(`${elsewhere}@${pushed.digest}`);
    });

    it('getBlob returns the image config’s bytes, which hash to its digest; a blob not held is a NotFoundError', async () => {
      const config = z
        .looseObject({ config: z.looseObject({ digest: z.string() }) })
        .parse(JSON.parse(Buffer.from(base.content).toString('utf8'))).config.digest;

      const bytes = await registry.getBlob(repository, config);
      const missing = sha256(new TextEncoder().encode(unique('no such blob')));

      expect(sha256(bytes)).toBe(config);
      expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toHaveProperty('created');
      expect(await failureOf(registry.getBlob(repository, missing))).toBeInstanceOf(NotFoundError);
    });

    it('resolveTag gives the digest a tag points to, and undefined for a missing tag or repository', async () => {
      expect(await registry.resolveTag(repository, pushed.tag)).toBe(pushed.digest);
      expect(await registry.resolveTag(repository, unique('absent'))).toBeUndefined();
      expect(await registry.resolveTag(unique('contract/none'), pushed.tag)).toBeUndefined();
    });

    it('putManifest stores the exact bytes under a tag, with their media type, and returns their digest', async () => {
      const manifest = variantOf(base, unique('exact'));
      const tag = unique('put');

      expect(await registry.putManifest(repository, tag, manifest)).toBe(manifest.digest);

      expect(await registry.resolveTag(repository, tag)).toBe(manifest.digest);
      const stored = await registry.getManifest(repository, manifest.digest);
      expect(Buffer.from(stored.content).equals(Buffer.from(manifest.content))).toBe(true);
      expect(stored.mediaType).toBe(manifest.mediaType);
      expect(stored.digest).toBe(manifest.digest);
    });

    it('putManifest answers the digest of the bytes it stored, whatever digest the caller’s manifest claims', async () => {
      const manifest = variantOf(base, unique('claims'));
      const tag = unique('put');

      const stored = await registry.putManifest(repository, tag, {
        ...manifest,
        digest: pushed.digest,
      });

      expect(stored).toBe(manifest.digest);
      expect(await registry.resolveTag(repository, tag)).toBe(manifest.digest);
      expect((await registry.getManifest(repository, manifest.digest)).digest).toBe(
        manifest.digest,
      );
    });

    it('putManifest gives a second tag the same digest, and moves a tag that pointed elsewhere', async () => {
      const first = variantOf(base, unique('first'));
      const second = variantOf(base, unique('second'));
      const [floating, pinned] = [unique('floating'), unique('pinned')];

      await registry.putManifest(repository, floating, first);
      await registry.putManifest(repository, pinned, first);
      expect(await registry.resolveTag(repository, floating)).toBe(first.digest);
      expect(await registry.resolveTag(repository, pinned)).toBe(first.digest);

      expect(await registry.putManifest(repository, floating, second)).toBe(second.digest);

      expect(await registry.resolveTag(repository, floating)).toBe(second.digest);
      expect(await registry.resolveTag(repository, pinned)).toBe(first.digest);
      expect(await registry.resolveTag(repository, pushed.tag)).toBe(pushed.digest);
    });

    it('lockTag answers false on a registry without tag locks, and the tag stays writable', async () => {
      const tag = unique('release');
      const [first, second] = [variantOf(base, unique('a')), variantOf(base, unique('b'))];
      await registry.putManifest(repository, tag, first);

      expect(await registry.lockTag(repository, tag)).toBe(false);

      expect(await registry.putManifest(repository, tag, second)).toBe(second.digest);
      expect(await registry.resolveTag(repository, tag)).toBe(second.digest);
    });

    it('deleteManifest deletes a manifest and every tag on it: deleted, then not-found; nothing else goes', async () => {
      const manifest = variantOf(base, unique('doomed'));
      const [one, two] = [unique('doomed'), unique('also')];
      await registry.putManifest(repository, one, manifest);
      await registry.putManifest(repository, two, manifest);

      expect(await registry.deleteManifest(repository, manifest.digest)).toBe('deleted');
      expect(await registry.deleteManifest(repository, manifest.digest)).toBe('not-found');

      expect(await failureOf(registry.getManifest(repository, manifest.digest))).toBeInstanceOf(
        NotFoundError,
      );
      expect(await registry.resolveTag(repository, one)).toBeUndefined();
      expect(await registry.resolveTag(repository, two)).toBeUndefined();
      expect(await registry.resolveTag(repository, pushed.tag)).toBe(pushed.digest);
      expect((await registry.getManifest(repository, pushed.digest)).digest).toBe(pushed.digest);
    });

    it('listRepositories names the repository, in a sorted list', async () => {
      const { names, requests } = await registry.listRepositories();

      expect(names).toContain(repository);
      expect([...names].sort()).toEqual(names);
      expect(requests).toBeGreaterThanOrEqual(1);
    });

    it('listTags lists every tag of a repository, each once, with the digest resolveTag gives when it says one', async () => {
      const manifest = variantOf(base, unique('listed'));
      const [one, two] = [unique('listed'), unique('listed')];
      await registry.putManifest(repository, one, manifest);
      await registry.putManifest(repository, two, manifest);

      const listing = await registry.listTags(repository);

      const names = listing.tags.map((t) => t.tag);
      expect(names).toEqual(expect.arrayContaining([pushed.tag, one, two]));
      expect(new Set(names).size).toBe(names.length);
      expect(listing.complete).toBe(true);
      for (const t of listing.tags.filter((l) => [one, two].includes(l.tag)))
        if (t.digest !== undefined) expect(t.digest).toBe(manifest.digest);
    });

    it('listTags of a repository that does not exist is an empty, complete listing', async () => {
      const listing = await registry.listTags(unique('contract/none'));

      expect(listing.tags).toEqual([]);
      expect(listing.complete).toBe(true);
    });

    it('listTags no longer lists the tags of a deleted manifest', async () => {
      const manifest = variantOf(base, unique('gone'));
      const tag = unique('gone');
      await registry.putManifest(repository, tag, manifest);
      await registry.deleteManifest(repository, manifest.digest);

      const names = (await registry.listTags(repository)).tags.map((t) => t.tag);

      expect(names).not.toContain(tag);
      expect(names).toContain(pushed.tag);
    });

    it('deleteManifest of a digest never stored, or in a repository that does not exist, is not-found', async () => {
      const missing = sha256(randomBytes(16));

      expect(await registry.deleteManifest(repository, missing)).toBe('not-found');
      expect(await registry.deleteManifest(unique('contract/none'), missing)).toBe('not-found');
    });

    it('listReferrers lists a cosign-tag signature and an artifact whose subject is the digest, each once, sorted, with what they are', async () => {
      const subject = variantOf(base, unique('signed'));
      await registry.putManifest(repository, unique('signed'), subject);
      const { signature, artifact } = await attach(subject);

      const listing = await registry.listReferrers(repository, subject.digest);

      expect(listing.referrers.map((r) => r.digest)).toEqual([signature, artifact].sort());
      const bySignature = listing.referrers.find((r) => r.digest === signature);
      expect(bySignature).toMatchObject({
        artifactType: COSIGN_ARTIFACT_TYPES.sig,
        mediaType: OCI_MANIFEST,
        tag: `${subject.digest.replace(':', '-')}.sig`,
      });
      const byArtifact = listing.referrers.find((r) => r.digest === artifact);
      expect(byArtifact).toMatchObject({ artifactType: ARTIFACT_TYPE, mediaType: OCI_MANIFEST });
      expect(byArtifact?.tag).toBeUndefined();
      expect(listing.requests).toBeGreaterThanOrEqual(1);
    });

    it('listReferrers of a digest without referrers, or in a repository that does not exist, is empty', async () => {
      expect((await registry.listReferrers(repository, pushed.digest)).referrers).toEqual([]);
      expect(
        (await registry.listReferrers(unique('contract/none'), pushed.digest)).referrers,
      ).toEqual([]);
    });
  });
}
