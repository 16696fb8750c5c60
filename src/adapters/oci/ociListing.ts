import type { ListedTag, Registry } from '../../ports/registry.js';
import { answerOf, nextLink, type OciClient, type Tally } from './ociClient.js';

/** Entries asked for per page: the distribution registry's own maximum is 1000. */
const PAGE_SIZE = 1000;

const namesIn = (body: unknown, field: 'repositories' | 'tags'): string[] => {
  const names = (body as Record<string, unknown> | null)?.[field];
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
};

/**
 * The listing half of the `Registry` port over the distribution API, signed in as `client`
 * is: `GET /v2/_catalog` (scope `registry:catalog:*`) and `GET /v2/<name>/tags/list` (pull),
 * one request per page, the `Link` header naming the next. A repository that does not exist
 * (404) has no tags.
 */
export function ociListing(
  client: OciClient,
  pageSize = PAGE_SIZE,
): Pick<Registry, 'listRepositories' | 'listTags'> {
  async function pages(
    doing: string,
    path: string,
    scopes: readonly string[],
    field: 'repositories' | 'tags',
  ): Promise<{ entries: string[]; requests: number }> {
    const entries: string[] = [];
    const tally: Tally = { requests: 0 };
    for (let next: string | undefined = path; next !== undefined;) {
      const response = await client.send({
        method: 'GET',
        path: next,
        scopes,
        headers: { accept: 'application/json' },
        doing,
        tally,
      });
      if (response.status === 404 && field === 'tags') {
        await response.body?.cancel();
        break;
      }
      if (!response.ok) throw new Error(`${doing}: ${await answerOf(response)}`);
      entries.push(...namesIn(await response.json(), field));
      next = nextLink(response.headers.get('link'));
    }
    return { entries, requests: tally.requests };
  }

  return {
    async listRepositories() {
      const { entries, requests } = await pages(
        'listing the registry catalog',
        `/v2/_catalog?n=${pageSize}`,
        ['registry:catalog:*'],
        'repositories',
      );
      return { names: [...new Set(entries)].sort(), requests };
    },
    async listTags(repository) {
      const { entries, requests } = await pages(
        `listing the tags of ${repository}`,
        `/v2/${repository}/tags/list?n=${pageSize}`,
        [`repository:${repository}:pull`],
        'tags',
      );
      const tags: ListedTag[] = [...new Set(entries)].map((tag) => ({ tag }));
      return { tags, complete: true, requests };
    },
  };
}
