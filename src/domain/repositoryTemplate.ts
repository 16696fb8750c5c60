import { repositoryProblem } from './imageReference.js';

/**
 * A stage's `repository` template: the repository a stage's tags are written in, in its
 * registry, rendered from the build's repository (`{repository}`), e.g. `prod/{repository}`
 * puts `myapp`'s release tags in `prod/myapp`. Pure.
 */
export interface RepositoryTemplate {
  readonly source: string;
  /** The repository of the stage for the build repository `repository`. */
  render(repository: string): string;
  /** The build repository whose stage repository is `name`, or undefined when none renders it. */
  sourceOf(name: string): string | undefined;
}

/** The default: the stage's repository has the build repository's name. */
export const SAME_REPOSITORY = '{repository}';

/** Build repositories a template is rendered with at load, to find one that renders a bad name. */
const SAMPLES = ['myapp', 'team/myapp'];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Parses and checks a repository template; the message says what is wrong with it. */
export function parseRepositoryTemplate(
  source: string,
):
  | { readonly ok: true; readonly template: RepositoryTemplate }
  | { readonly ok: false; readonly message: string } {
  const unknown = [...source.matchAll(/\{([^}]*)\}/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => name !== 'repository');
  if (unknown.length > 0)
    return {
      ok: false,
      message: `unknown placeholder {${unknown[0] ?? ''}}: a repository template has only {repository}`,
    };
  const parts = source.split(SAME_REPOSITORY);
  if (parts.length !== 2)
    return {
      ok: false,
      message: `a repository template needs {repository} exactly once (e.g. prod/{repository}), so that two build repositories never share a stage repository; "${source}" has it ${parts.length - 1} times`,
    };
  const [before = '', after = ''] = parts;
  const render = (repository: string) => `${before}${repository}${after}`;
  for (const sample of SAMPLES) {
    const problem = repositoryProblem(render(sample));
    if (problem)
      return {
        ok: false,
        message: `renders an invalid repository name for build repository ${sample}: ${problem}`,
      };
  }
  const pattern = new RegExp(`^${escape(before)}(.+)${escape(after)}$`);
  return {
    ok: true,
    template: {
      source,
      render,
      sourceOf: (name) => {
        const found = pattern.exec(name)?.[1];
        return found !== undefined && repositoryProblem(found) === undefined ? found : undefined;
      },
    },
  };
}
