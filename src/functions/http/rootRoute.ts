/**
 * The route template of the site root (`GET /`). host.json's `routePrefix` is empty, and an
 * empty route is not served by the Functions host; an optional parameter that must be empty
 * matches `/` and nothing else (Azure/Azure-Functions#2473, azure-functions-host#1102).
 */
export const ROOT_ROUTE = '{ignored:maxlength(0)?}';

/** The URL path a route template is served at: `/api/approvals`, `/` for the root. */
export function routePath(route: string): string {
  return route === ROOT_ROUTE ? '/' : `/${route}`;
}
