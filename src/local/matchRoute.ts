/**
 * Matches a path (below `/api/`) against an Azure Functions route template, the way the
 * Functions host does for the templates promoter uses: literal segments, `{name}` for one
 * segment and a final `{*name}` catch-all. Returns the route parameters, or undefined.
 */
export function matchRoute(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const catchAll = /^\{\*(\w+)\}$/.exec(segment);
    if (catchAll?.[1]) {
      if (i >= got.length) return undefined;
      params[catchAll[1]] = got.slice(i).join('/');
      return params;
    }
    const value = got[i];
    if (value === undefined) return undefined;
    const param = /^\{(\w+)\}$/.exec(segment);
    if (param?.[1]) params[param[1]] = value;
    else if (segment.toLowerCase() !== value.toLowerCase()) return undefined;
  }
  return got.length === want.length ? params : undefined;
}
