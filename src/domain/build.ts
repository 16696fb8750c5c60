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
  /**
   * When the digest was first pushed (ISO 8601, UTC): the registry event's timestamp; for a
   * build the reconciler recorded, the tag's last update in ACR's listing, or where the listing
   * has no times (the distribution registry) the image config's `created` (its build time).
   * Absent when nothing said, and on builds recorded before promoter kept it.
   */
  readonly pushedAt?: string | undefined;
  /**
   * The id of the registry event that first recorded the digest (the reconciler's own id for a
   * build it recorded): the automatic first-stage promotion's message id derives from it, so
   * the reconciler can ask again under the same id. Absent on builds recorded before promoter
   * kept it.
   */
  readonly eventId?: string | undefined;
  /** When the registry reported the manifest deleted, if it did. */
  readonly deletedAt?: string | undefined;
}
