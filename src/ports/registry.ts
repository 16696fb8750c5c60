/** A manifest as the registry stores it: the exact bytes and their media type. */
export interface RawManifest {
  readonly content: Uint8Array;
  readonly mediaType: string;
  /** sha256 of `content`, as verified by the adapter. */
  readonly digest: string;
}

/**
 * The container registry promoter re-tags in (`@azure/container-registry`).
 *
 * Contract: registry 429, 5xx, timeouts and connection failures are thrown as
 * `TransientError` naming the operation (`fetching myapp@sha256:…: …`); a missing manifest
 * or repository is `NotFoundError`; authorization failures are thrown as plain Errors with
 * the registry's answer. Every method makes the fewest requests it can (the benchmark counts
 * them): `getManifest` one GET, `resolveTag` one request, `putManifest` one PUT, `lockTag`
 * one call on ACR and none elsewhere.
 */
export interface Registry {
  /** The raw manifest (or index) stored under `digest`; its bytes hash to `digest`. */
  getManifest: (repository: string, digest: string) => Promise<RawManifest>;
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
}
