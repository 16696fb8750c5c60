/**
 * The board's own links. In Azure the page is opened with its function key (`/?code=…`);
 * every link carries the key along, so following one does not answer 401.
 */
export interface BoardLinks {
  /** Every repository. */
  home(): string;
  /** One repository, its builds from `cursor` on (the first page without one). */
  repository(repository: string, cursor?: string): string;
  /** A read-API route of a repository, e.g. `stages`. */
  api(repository: string, route: string): string;
}

export function boardLinks(code: string | undefined): BoardLinks {
  const query = (params: Record<string, string | undefined>): string => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...params, code }))
      if (value !== undefined && value !== '') search.set(name, value);
    const text = search.toString();
    return text === '' ? '' : `?${text}`;
  };
  return {
    home: () => `/${query({})}`,
    repository: (repository, cursor) => `/${query({ repository, cursor })}`,
    api: (repository, route) =>
      `/api/repositories/${repository.split('/').map(encodeURIComponent).join('/')}/${route}${query({})}`,
  };
}
