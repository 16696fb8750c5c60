import { TransientError } from '../../domain/errors.js';
import type { ListedTag, Registry, TagListing } from '../../ports/registry.js';
import { asRestError, networkCode } from '../sdkErrors.js';
import type { AcrClients } from './acrClients.js';

/** The listing half of the `Registry` port. */
export type RegistryListing = Pick<Registry, 'listRepositories' | 'listTags'>;

/** Entries asked for per page: the distribution registry's and ACR's own maximum is 1000 or more. */
const PAGE_SIZE = 1000;

/** ACR's pages of tag properties: smaller, so that a run stopping at its watermark reads little. */
const ACR_TAG_PAGE_SIZE = 100;

const catalogBody = (body: unknown): string[] => {
  const names = (body as { repositories?: unknown } | null)?.repositories;
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
};

const tagsBody = (body: unknown): string[] => {
  const tags = (body as { tags?: unknown } | null)?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
};

/** The `rel="next"` target of a `Link` header (`</v2/_catalog?last=b&n=2>; rel="next"`). */
export function nextLink(link: string | null): string | undefined {
  if (link === null) return undefined;
  const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link);
  return match?.[1];
}

/**
 * Listing over the OCI distribution API (`/v2/_catalog`, `/v2/<name>/tags/list`), anonymous:
 * the CNCF distribution registry, Harbor or Zot with anonymous read. One GET per page; the
 * `Link` header names the next one.
 */
export function distributionListing(
  endpoint: string,
  timeoutInMs: number,
  pageSize = PAGE_SIZE,
): RegistryListing {
  /** Every page of `path`, each body read by `read`; a 404 (unknown repository) is no entries. */
  async function pages(
    doing: string,
    path: string,
    read: (body: unknown) => string[],
  ): Promise<{ entries: string[]; requests: number }> {
    const entries: string[] = [];
    let requests = 0;
    for (let next: string | undefined = path; next !== undefined;) {
      requests += 1;
      const url = new URL(next, endpoint);
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutInMs),
        });
      } catch (error) {
        throw unreachable(doing, error, timeoutInMs);
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return { entries, requests };
      }
      if (!response.ok) throw await refusal(doing, response);
      entries.push(...read(await response.json()));
      next = nextLink(response.headers.get('link'));
    }
    return { entries, requests };
  }

  return {
    async listRepositories() {
      const { entries, requests } = await pages(
        'listing the registry catalog',
        `/v2/_catalog?n=${pageSize}`,
        catalogBody,
      );
      return { names: [...new Set(entries)].sort(), requests };
    },
    async listTags(repository) {
      const { entries, requests } = await pages(
        `listing the tags of ${repository}`,
        `/v2/${repository}/tags/list?n=${pageSize}`,
        tagsBody,
      );
      const tags: ListedTag[] = [...new Set(entries)].map((tag) => ({ tag }));
      return { tags, complete: true, requests };
    },
  };
}

function unreachable(doing: string, error: unknown, timeoutInMs: number): Error {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError')
    return new TransientError(
      `${doing}: registry unavailable: no answer within ${timeoutInMs} ms`,
      {
        cause: error,
      },
    );
  const cause = error instanceof Error ? error.cause : undefined;
  const code = networkCode(cause) ?? networkCode(error);
  return new TransientError(
    `${doing}: registry unavailable: ${code ?? (error instanceof Error ? error.message : String(error))}`,
    { cause: error },
  );
}

async function refusal(doing: string, response: Response): Promise<Error> {
  const text = (await response.text()).slice(0, 300).trim();
  const answer = `HTTP ${response.status}${text === '' ? '' : `: ${text}`}`;
  if (response.status === 408 || response.status === 429 || response.status >= 500)
    return new TransientError(`${doing}: registry unavailable: ${answer}`);
  if (response.status === 401 || response.status === 403)
    return new Error(
      `${doing}: ${answer}: the registry does not allow anonymous listing; the reconciler lists a non-ACR registry anonymously`,
    );
  return new Error(`${doing}: ${answer}`);
}

/**
 * Listing over ACR's own API through `@azure/container-registry`: `listRepositoryNames`
 * (`GET /acr/v1/_catalog`, needs the registry-wide catalog scope), and the repository's tag
 * properties newest first (`GET /acr/v1/<name>/_tags?orderby=timedesc`), stopping at
 * `updatedSince`. The SDK reaches the tag list through an artifact handle; in version 1.1 it
 * lists the whole repository's tags whatever the handle names (no digest filter is sent), so
 * the handle names the repository's `latest`, which need not exist.
 * Not run here (no ACR): only a real registry can confirm the order and paging.
 */
export function acrListing(
  clients: AcrClients,
  call: <T>(doing: string, run: (abortSignal: AbortSignal) => Promise<T>) => Promise<T>,
): RegistryListing {
  return {
    async listRepositories() {
      const names: string[] = [];
      let requests = 0;
      await call('listing the registry catalog', async (abortSignal) => {
        // A client of its own: its token is scoped to the catalog, not to a repository.
        const pages = clients
          .acr('')
          .listRepositoryNames({ abortSignal })
          .byPage({ maxPageSize: PAGE_SIZE });
        for await (const page of pages) {
          requests += 1;
          names.push(...page);
        }
      });
      return { names: names.sort(), requests };
    },
    async listTags(repository, options = {}): Promise<TagListing> {
      const since = options.updatedSince?.getTime();
      const tags: ListedTag[] = [];
      let requests = 0;
      let complete = true;
      try {
        await call(`listing the tags of ${repository}`, async (abortSignal) => {
          const pages = clients
            .acr(repository)
            .getArtifact(repository, 'latest')
            .listTagProperties({ order: 'LastUpdatedOnDescending', abortSignal })
            .byPage({ maxPageSize: ACR_TAG_PAGE_SIZE });
          for await (const page of pages) {
            requests += 1;
            for (const t of page) {
              if (since !== undefined && t.lastUpdatedOn.getTime() < since) {
                complete = false;
                return;
              }
              tags.push({
                tag: t.name,
                digest: t.digest,
                updatedAt: t.lastUpdatedOn.toISOString(),
              });
            }
          }
        });
      } catch (error) {
        // A repository that does not exist (NAME_UNKNOWN) has no tags.
        const cause = error instanceof Error ? error.cause : undefined;
        if (asRestError(cause)?.statusCode === 404) return { tags: [], complete: true, requests };
        throw error;
      }
      return { tags, complete, requests };
    },
  };
}
