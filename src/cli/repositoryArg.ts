import { repositoryProblem } from '../domain/imageReference.js';
import { CliError, ExitCode } from './cliError.js';

/** The `<repository>` argument, checked before any request is made (a usage error if bad). */
export function repositoryArg(repository: string): string {
  const problem = repositoryProblem(repository);
  if (problem !== undefined) throw new CliError(ExitCode.usage, `repository: ${problem}`);
  return repository;
}
