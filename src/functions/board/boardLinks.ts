/**
 * The board's own links. In Azure the page is opened with its function key (`/?code=…`);
 * every link carries the key along, so following one does not answer 401. The board is served
 * at `/` and at `/board`; its links stay under the path it was opened at (`home`), so a host
 * that keeps `/` for its own landing page does not break them.
 */
export interface BoardLinks {
  /** Every repository. */
  home(): string;
  /** One repository, its builds from `cursor` on (the first page without one). */
  repository(repository: string, cursor?: string): string;
  /** A read-API route of a repository, e.g. `stages`. */
  api(repository: string, route: string): string;
}

export function boardLinks(code: string | undefined, home: '/' | '/board' = '/'): BoardLinks {
  const query = (params: Record<string, string | undefined>): string => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...params, code }))
      if (value !== undefined && value !== '') search.set(name, value);
    const text = search.toString();
    return text === '' ? '' : `?${text}`;
  };
  return {
    home: () => `${home}${query({})}`,
    repository: (repository, cursor) => `${home}${query({ repository, cursor })}`,
    api: (repository, route) =>
      `/api/repositories/${repository.split('/').map(encodeURIComponent).join('/')}/${route}${query({})}`,
  };
}
