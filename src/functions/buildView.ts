import { gitShaCountOf, tagCountOf, type Build } from '../domain/build.js';

/** A build as the read API shows it. */
export interface BuildView {
  readonly repository: string;
  readonly digest: string;
  /** The first git SHA recorded for the digest. */
  readonly gitSha: string | undefined;
  /** The first git SHA and the newest, `BUILD_LIST_LIMIT` at most; `gitShaCount` of them in all. */
  readonly gitShas: readonly string[];
  readonly gitShaCount: number;
  /** The first build tag recorded for the digest. */
  readonly tag: string | undefined;
  /** Bounded as `gitShas`; `tagCount` of them in all. */
  readonly tags: readonly string[];
  readonly tagCount: number;
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
    gitShaCount: gitShaCountOf(build),
    tag: build.tags[0],
    tags: build.tags,
    tagCount: tagCountOf(build),
    mediaType: build.mediaType,
    registry: build.registry,
    reference: `${build.registry}/${build.repository}@${build.digest}`,
    recordedAt: build.recordedAt,
    deleted: build.deletedAt !== undefined,
    ...(build.deletedAt !== undefined ? { deletedAt: build.deletedAt } : {}),
  };
}
