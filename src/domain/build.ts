/** A recorded build: one manifest digest in one repository, and the git SHAs it was pushed as. */
export interface Build {
  readonly repository: string;
  /** The manifest (or index) digest the build tag pointed at when pushed. */
  readonly digest: string;
  /** Git SHAs whose build tags pointed at this digest, in the order they were recorded. */
  readonly gitShas: readonly string[];
  /** The build tags seen for this digest, in the order they were recorded. */
  readonly tags: readonly string[];
  readonly mediaType: string;
  /** Registry host the push was made to, e.g. `myacr.azurecr.io`. */
  readonly registry: string;
  /** Who pushed it first, as the registry names them (`actor.name`), when it says. */
  readonly pushedBy?: string | undefined;
  /** When promoter first recorded the digest (ISO 8601, UTC). */
  readonly recordedAt: string;
  /** When the registry reported the manifest deleted, if it did. */
  readonly deletedAt?: string | undefined;
}
