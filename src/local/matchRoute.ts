/**
 * Matches a URL path (without its leading `/`) against an Azure Functions route template, the
 * way the Functions host does for the templates promoter uses: literal segments, `{name}` for
 * one segment, a final `{*name}` catch-all, and a final optional `{name?}` whose constraints
 * are limited to `maxlength(n)` (the root route `{ignored:maxlength(0)?}` matches only `/`).
 * Returns the route parameters, or undefined.
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
    const param = /^\{(\w+)((?::\w+(?:\(\d*\))?)*)(\?)?\}$/.exec(segment);
    const value = got[i];
    if (value === undefined) {
      if (param?.[3] === '?' && i === want.length - 1) return params;
      return undefined;
    }
    if (param?.[1]) {
      if (!satisfies(param[2] ?? '', value)) return undefined;
      params[param[1]] = value;
    } else if (segment.toLowerCase() !== value.toLowerCase()) return undefined;
  }
  return got.length === want.length ? params : undefined;
}

/** Whether `value` meets constraints like `:maxlength(0)`; an unknown constraint never does. */
function satisfies(constraints: string, value: string): boolean {
  for (const [, name, arg] of constraints.matchAll(/:(\w+)(?:\((\d*)\))?/g)) {
    if (name !== 'maxlength' || arg === undefined || value.length > Number(arg)) return false;
  }
  return true;
}
