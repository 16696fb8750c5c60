/**
 * Image references and their parts, validated by the OCI distribution spec's grammar:
 * `registry/repository[:tag][@digest]`. Pure: no I/O.
 */

const pathComponent = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const repositoryPattern = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const registryPattern =
  /^(?:localhost|(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

/** Encoded lengths of the digest algorithms the OCI image spec registers. */
const registeredDigestLengths: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/** Longest repository name that registries and clients accept. */
export const MAX_REPOSITORY_LENGTH = 255;

/** Returns why `name` is not a valid repository name, or undefined when it is. */
export function repositoryProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_REPOSITORY_LENGTH)
    return `is ${name.length} characters long; at most ${MAX_REPOSITORY_LENGTH} are allowed`;
  if (!repositoryPattern.test(name))
    return `"${name}" is not a repository name: use lowercase letters, digits and separators (. _ __ -) in path components joined by /`;
  return undefined;
}

/** Returns why `tag` is not a valid tag, or undefined when it is. */
export function tagProblem(tag: string): string | undefined {
  if (tag.length === 0) return 'is empty';
  if (tag.length > 128) return `is ${tag.length} characters long; at most 128 are allowed`;
  if (!tagPattern.test(tag))
    return `"${tag}" is not a tag: start with a letter, digit or _, then letters, digits, _ . or -`;
  return undefined;
}

/** Returns why `digest` is not a valid digest, or undefined when it is. */
export function digestProblem(digest: string): string | undefined {
  if (!digestPattern.test(digest))
    return `"${digest}" is not a digest: expected algorithm:hex, e.g. sha256:<64 hex characters>`;
  const [algorithm = '', encoded = ''] = digest.split(':', 2);
  const expected = registeredDigestLengths[algorithm];
  if (expected && !expected.test(encoded))
    return `"${digest}" is not a valid ${algorithm} digest: expected ${algorithm === 'sha256' ? 64 : 128} lowercase hex characters`;
  if (!expected)
    return `"${digest}" uses the unsupported algorithm "${algorithm}": use sha256 or sha512`;
  return undefined;
}

/** Whether `value` looks like a digest (algorithm:encoded) rather than a tag or SHA. */
export function isDigest(value: string): boolean {
  return digestProblem(value) === undefined;
}

/** A parsed image reference. */
export interface ImageReference {
  /** Registry host with optional port, e.g. `myacr.azurecr.io` or `localhost:5000`. */
  readonly registry: string;
  /** Repository path, possibly nested: `team/backend`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Result of parsing a reference: the reference, or the part that is wrong and why. */
export type ParsedReference =
  | { readonly ok: true; readonly reference: ImageReference }
  | {
      readonly ok: false;
      readonly part: 'reference' | 'registry' | 'repository' | 'tag' | 'digest';
      readonly message: string;
    };

/**
 * Parses `registry/repository[:tag][@digest]`. The first path component is the registry
 * when it contains a dot or a colon or is `localhost`; otherwise `defaultRegistry` is used.
 */
export function parseImageReference(input: string, defaultRegistry?: string): ParsedReference {
  if (input.length === 0) return { ok: false, part: 'reference', message: 'is empty' };
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) return { ok: false, part: 'digest', message: problem };
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    const problem = tagProblem(tag);
    if (problem) return { ok: false, part: 'tag', message: problem };
  }
  let registry = defaultRegistry;
  const firstSlash = rest.indexOf('/');
  const first = firstSlash >= 0 ? rest.slice(0, firstSlash) : '';
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    rest = rest.slice(firstSlash + 1);
  }
  if (!registry)
    return {
      ok: false,
      part: 'registry',
      message: `"${input}" names no registry (e.g. myacr.azurecr.io/${rest})`,
    };
  if (!registryPattern.test(registry))
    return { ok: false, part: 'registry', message: `"${registry}" is not a registry host[:port]` };
  const repoProblem = repositoryProblem(rest);
  if (repoProblem) return { ok: false, part: 'repository', message: repoProblem };
  return {
    ok: true,
    reference: {
      registry,
      repository: rest,
      ...(tag === undefined ? {} : { tag }),
      ...(digest === undefined ? {} : { digest }),
    },
  };
}

/** Formats a reference back to `registry/repository[:tag][@digest]`. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
