/** Where an image lives: a registry's login server and a repository in it. */
export interface ImageLocation {
  /** Login server, e.g. `prodacr.azurecr.io` or `localhost:5001`. */
  readonly registry: string;
  readonly repository: string;
}

/** What one copy did, for the history and the benchmark. */
export interface CopyReport {
  /** The digest stored at the target: always the digest asked for (checked). */
  readonly digest: string;
  /** Manifests (image manifests, index children, referrers) written at the target. */
  readonly manifestsWritten: number;
  /** Blobs uploaded, and their bytes. */
  readonly blobsUploaded: number;
  readonly bytesUploaded: number;
  /** Blobs the target held already, or mounted from another repository of the same registry. */
  readonly blobsPresent: number;
  readonly blobsMounted: number;
  /** Digests of the referrers (signatures, SBOMs, attestations) copied with the image. */
  readonly referrers: readonly string[];
  /** HTTP requests made (both registries), or ARM calls for a server-side import. */
  readonly requests: number;
}

/**
 * Copies one manifest (or index) by digest from one registry to another, byte for byte, with
 * everything it references (index children, config, layers) and its referrers, and writes no
 * tag: the promotion writes its tags afterwards, through the target's `Registry`.
 *
 * Contract: idempotent (a second copy of the same digest uploads nothing already present, so a
 * copy interrupted by a failure resumes on redelivery); every digest checked; transient
 * registry failures are `TransientError` naming the operation; a source digest that does not
 * exist is `NotFoundError`; refusals (authorization) are plain Errors with the registry's answer.
 */
export interface ImageCopier {
  copy: (source: ImageLocation, target: ImageLocation, digest: string) => Promise<CopyReport>;
}

/**
 * How promoter signs in to one declared registry (the pipeline file's `registries`): Azure
 * identity (managed identity in Azure; ACR's token exchange), none, or basic credentials from
 * settings (Key Vault references in Azure).
 */
export type RegistrySignIn =
  | { readonly kind: 'azure' }
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };
