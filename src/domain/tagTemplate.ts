/**
 * Tag templates such as `{version}-rc{n}`: literal tag characters and placeholders.
 * Pure: parsing, rendering and matching.
 */

/** Placeholders a stage tag template may use, and what each stands for. */
export const TAG_PLACEHOLDERS = {
  version: 'the semantic version being promoted, e.g. 1.2.3',
  n: 'the release-candidate number for that version: 1, 2, …',
  sha: 'the build’s git SHA',
} as const;

export type Placeholder = keyof typeof TAG_PLACEHOLDERS;

const placeholderPatterns: Record<Placeholder, string> = {
  version: '(?<version>[0-9]+\\.[0-9]+\\.[0-9]+(?:-[0-9A-Za-z.-]+)?)',
  n: '(?<n>[1-9][0-9]*)',
  sha: '(?<sha>[0-9a-f]{7,40})',
};

type Part = { readonly literal: string } | { readonly placeholder: Placeholder };

/** A parsed template. */
export interface TagTemplate {
  readonly source: string;
  readonly placeholders: ReadonlySet<Placeholder>;
  /** Matches a concrete tag made from this template, capturing the placeholders' values. */
  readonly pattern: RegExp;
  /** Renders the template; every placeholder it uses must be given. */
  render(values: Partial<Record<Placeholder, string | number | undefined>>): string;
}

const literalChars = /^[a-zA-Z0-9._-]*$/;

/** Parses a template, or returns why it is not one. */
export function parseTagTemplate(
  source: string,
): { ok: true; template: TagTemplate } | { ok: false; message: string } {
  const parts: Part[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (const m of source.matchAll(re)) {
    if (m.index > last) parts.push({ literal: source.slice(last, m.index) });
    const name = m[1] ?? '';
    if (!(name in TAG_PLACEHOLDERS))
      return {
        ok: false,
        message: `unknown placeholder {${name}}; allowed: ${Object.keys(TAG_PLACEHOLDERS)
          .map((p) => `{${p}}`)
          .join(', ')}`,
      };
    parts.push({ placeholder: name as Placeholder });
    last = m.index + m[0].length;
  }
  if (last < source.length) parts.push({ literal: source.slice(last) });
  if (parts.length === 0) return { ok: false, message: 'is empty' };
  const seen = new Set<Placeholder>();
  for (const part of parts) {
    if ('literal' in part) {
      if (!literalChars.test(part.literal))
        return {
          ok: false,
          message: `"${part.literal}" has characters a tag cannot hold; use letters, digits, _ . - and placeholders`,
        };
    } else if (seen.has(part.placeholder)) {
      return { ok: false, message: `uses {${part.placeholder}} twice` };
    } else seen.add(part.placeholder);
  }
  const first = parts[0];
  if (first && 'literal' in first && /^[.-]/.test(first.literal))
    return { ok: false, message: 'a tag cannot start with . or -' };
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(
    `^${parts.map((p) => ('literal' in p ? escape(p.literal) : placeholderPatterns[p.placeholder])).join('')}$`,
  );
  const template: TagTemplate = {
    source,
    placeholders: seen,
    pattern,
    render(values) {
      return parts
        .map((p) => {
          if ('literal' in p) return p.literal;
          const value = values[p.placeholder];
          if (value === undefined)
            throw new Error(`tag template ${source} needs {${p.placeholder}}`);
          return String(value);
        })
        .join('');
    },
  };
  return { ok: true, template };
}
