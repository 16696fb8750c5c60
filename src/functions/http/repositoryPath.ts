/** A request on the `repositories/{*path}` route, once the path is understood. */
export type RepositoryRoute =
  | { readonly kind: 'builds'; readonly repository: string }
  | { readonly kind: 'build'; readonly repository: string; readonly ref: string }
  | { readonly kind: 'status'; readonly repository: string }
  | { readonly kind: 'stages'; readonly repository: string }
  | { readonly kind: 'history'; readonly repository: string }
  | { readonly kind: 'outcome'; readonly repository: string; readonly messageId: string };

/**
 * Reads `team/backend/builds`, `…/builds/<ref>`, `…/status`, `…/stages`, `…/history` and
 * `…/outcomes/<messageId>`. Repository names
 * may contain `/` (even a component named `builds`), so the path is read from its end.
 */
export function parseRepositoryPath(path: string): RepositoryRoute | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  const last = parts.at(-1);
  const repository = (drop: number) => parts.slice(0, -drop).join('/');
  if (
    parts.length >= 2 &&
    (last === 'builds' || last === 'status' || last === 'stages' || last === 'history')
  )
    return { kind: last, repository: repository(1) };
  if (parts.length >= 3 && parts.at(-2) === 'builds')
    return { kind: 'build', repository: repository(2), ref: last ?? '' };
  if (parts.length >= 3 && parts.at(-2) === 'outcomes')
    return { kind: 'outcome', repository: repository(2), messageId: last ?? '' };
  return undefined;
}
