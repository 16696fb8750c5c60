import type { Build } from '../domain/build.js';

/** A build as the read API shows it. */
export interface BuildView {
  readonly repository: string;
  readonly digest: string;
  /** The first git SHA recorded for the digest. */
  readonly gitSha: string | undefined;
  readonly gitShas: readonly string[];
  /** The first build tag recorded for the digest. */
  readonly tag: string | undefined;
  readonly tags: readonly string[];
  readonly mediaType: string;
  readonly registry: string;
  /** `registry/repository@digest`: pull or deploy by this. */
  readonly reference: string;
  readonly recordedAt: string;
  readonly deleted: boolean;
  readonly deletedAt?: string;
}

export function buildView(build: Build): BuildView {
  return {
    repository: build.repository,
    digest: build.digest,
    gitSha: build.gitShas[0],
    gitShas: build.gitShas,
    tag: build.tags[0],
    tags: build.tags,
    mediaType: build.mediaType,
    registry: build.registry,
    reference: `${build.registry}/${build.repository}@${build.digest}`,
    recordedAt: build.recordedAt,
    deleted: build.deletedAt !== undefined,
    ...(build.deletedAt !== undefined ? { deletedAt: build.deletedAt } : {}),
  };
}
