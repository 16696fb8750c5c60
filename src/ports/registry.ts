/** A manifest as the registry stores it: the exact bytes and their media type. */
export interface RawManifest {
  readonly content: Uint8Array;
  readonly mediaType: string;
  /** sha256 of `content`, as verified by the adapter. */
  readonly digest: string;
}

/** One tag as a registry listing shows it. */
export interface ListedTag {
  readonly tag: string;
  /** The digest it points to, when the listing says (ACR); undefined: ask `resolveTag`. */
  readonly digest?: string | undefined;
  /** When the tag last changed (ISO 8601), when the listing says (ACR). */
  readonly updatedAt?: string | undefined;
}

/** The tags of one repository, as far as a listing went. */
export interface TagListing {
  readonly tags: readonly ListedTag[];
  /**
   * Whether every tag of the repository is listed. False only when the listing stopped at
   * `updatedSince` (ACR): tags older than that are left out.
   */
  readonly complete: boolean;
  /** HTTP requests the listing made (pages), for the reconciler's cost report. */
  readonly requests: number;
}

/**
 * `artifactType` of the referrers found under cosign's tags (`sha256-<hex>.sig`, `.att`,
 * `.sbom`), which carry no `subject`: cosign's own names for these kinds when it writes them
 * as OCI 1.1 referrers (`application/vnd.dev.cosign.artifact.<kind>.v1+json`, cosign's
 * `ArtifactType(kind)`), so a signature reads the same whichever way it was stored.
 */
export const COSIGN_ARTIFACT_TYPES = {
  sig: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  att: 'application/vnd.dev.cosign.artifact.att.v1+json',
  sbom: 'application/vnd.dev.cosign.artifact.sbom.v1+json',
} as const;

/** A cosign tag suffix: `sig` (signatures), `att` (attestations), `sbom`. */
export type CosignKind = keyof typeof COSIGN_ARTIFACT_TYPES;

/** One referrer of a digest: a signature, SBOM or attestation stored beside the image. */
export interface Referrer {
  /** Digest of the referrer's own manifest. */
  readonly digest: string;
  /** Media type of that manifest (an OCI image manifest, usually). */
  readonly mediaType: string;
  /**
   * What it is: the manifest's `artifactType` (or, as the referrers API does, its config's
   * media type); for one found under a cosign tag, `COSIGN_ARTIFACT_TYPES[kind]`.
   */
  readonly artifactType: string;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
  /**
   * The cosign tag it was found under (`sha256-<hex>.sig`) when it was found by that tag
   * rather than by its `subject`: a copy writes that tag at the target too, so cosign finds it.
   */
  readonly tag?: string | undefined;
}

/** The referrers of one digest, and the requests listing them took. */
export interface ReferrerListing {
  readonly referrers: readonly Referrer[];
  readonly requests: number;
}

/**
 * The container registry promoter re-tags in (`@azure/container-registry`).
 *
 * Contract: registry 429, 5xx, timeouts and connection failures are thrown as
 * `TransientError` naming the operation (`fetching myapp@sha256:…: …`); a missing manifest
 * or repository is `NotFoundError`; authorization failures are thrown as plain Errors with
 * the registry's answer. Every method makes the fewest requests it can (the benchmark counts
 * them): `getManifest` and `getBlob` one GET each, `resolveTag` one request, `putManifest` one PUT, `lockTag`
 * one call on ACR and none elsewhere; `listReferrers` 4 or 5 (see there).
 */
export interface Registry {
  /** The raw manifest (or index) stored under `digest`; its bytes hash to `digest`. */
  getManifest: (repository: string, digest: string) => Promise<RawManifest>;
  /**
   * The blob stored under `digest` (an image's config), one GET; its bytes hash to `digest`.
   * A blob the repository does not hold is `NotFoundError`.
   */
  getBlob: (repository: string, digest: string) => Promise<Uint8Array>;
  /** The digest `tag` points to now, or undefined when the tag does not exist. */
  resolveTag: (repository: string, tag: string) => Promise<string | undefined>;
  /**
   * Puts the exact bytes under `tag` with their media type (never re-serialised), and
   * returns the digest the registry reports for what it stored.
   */
  putManifest: (repository: string, tag: string, manifest: RawManifest) => Promise<string>;
  /**
   * Makes `tag` immutable in the registry (ACR: `canWrite: false, canDelete: false`).
   * Returns false where the registry has no such lock (the ledger enforces immutability there).
   */
  lockTag: (repository: string, tag: string) => Promise<boolean>;
  /**
   * Deletes the manifest (or index) stored under `digest`, and with it every tag that points
   * to it (`DELETE /v2/<name>/manifests/<digest>`; one request). `not-found` when the registry
   * holds no such manifest, e.g. it was deleted already: deleting twice is safe. Layers are
   * freed later by the registry's garbage collection. A registry that refuses deletes (the
   * distribution registry without `storage.delete.enabled`, a locked manifest on ACR) or an
   * identity without delete rights is a plain Error saying which; the rest as above.
   */
  deleteManifest: (repository: string, digest: string) => Promise<'deleted' | 'not-found'>;
  /**
   * Every repository of the registry, sorted by name, with the number of requests (pages) it
   * took: ACR's `listRepositoryNames`, elsewhere `GET /v2/_catalog` following its `Link`
   * pages. A registry that does not allow listing the catalog is a plain Error saying so.
   */
  listRepositories: () => Promise<{ readonly names: readonly string[]; readonly requests: number }>;
  /**
   * The tags of `repository` (an empty listing for a repository that does not exist). On ACR
   * newest first by last update, with their digests, and with `updatedSince` the listing stops
   * at the first tag updated before it (`complete: false`); elsewhere `GET
   * /v2/<name>/tags/list` page by page, names only, always complete (`updatedSince` is
   * ignored: the distribution API has no order by time).
   */
  listTags: (
    repository: string,
    options?: { readonly updatedSince?: Date | undefined },
  ) => Promise<TagListing>;
  /**
   * The referrers of `digest` in `repository`, each once (by digest), sorted by digest: those
   * whose `subject` is the digest, through the OCI 1.1 referrers API (`GET
   * /v2/<name>/referrers/<digest>`, one request) where the registry has it, else through the
   * referrers tag schema (the index under tag `sha256-<hex>`, one more request); and, on every
   * registry, the manifests under cosign's tags `sha256-<hex>.sig`, `.att` and `.sbom` (one
   * HEAD each, a GET for each found). A digest without referrers, or a repository that does
   * not exist, has none. Failures as above.
   */
  listReferrers: (repository: string, digest: string) => Promise<ReferrerListing>;
}
