import { ValidationError, type Issue } from '../domain/errors.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { RegistrySignIn } from '../ports/imageCopier.js';
import { isUnresolvedReference, unresolvedReferenceMessage } from './keyVaultReference.js';

/**
 * How promoter signs in to each registry the pipeline declares (`registries`), with basic
 * credentials read from the settings the declaration names (Key Vault references in Azure).
 * Throws a ValidationError naming each setting that is missing or an unresolved reference,
 * and the pipeline field that names it; a password's value never appears in a message.
 */
export function registrySignIns(
  pipeline: Pick<Pipeline, 'registries'>,
  env: Readonly<Record<string, string | undefined>>,
): ReadonlyMap<string, RegistrySignIn> {
  const issues: Issue[] = [];
  const signIns = new Map<string, RegistrySignIn>();
  for (const declared of pipeline.registries) {
    if (declared.signIn !== 'basic') {
      signIns.set(declared.loginServer, { kind: declared.signIn });
      continue;
    }
    const read = (field: 'usernameSetting' | 'passwordSetting') => {
      const name = declared[field];
      const value = env[name];
      if (isUnresolvedReference(value)) {
        issues.push({ path: name, message: unresolvedReferenceMessage(name) });
        return undefined;
      }
      if (value === undefined || value.trim() === '') {
        issues.push({
          path: name,
          message: `is not set: the pipeline's registries.${declared.loginServer}.${field} names it for the ${field === 'usernameSetting' ? 'username' : 'password'} promoter signs in to ${declared.loginServer} with`,
        });
        return undefined;
      }
      return value.trim();
    };
    const username = read('usernameSetting');
    const password = read('passwordSetting');
    if (username !== undefined && password !== undefined)
      signIns.set(declared.loginServer, { kind: 'basic', username, password });
  }
  if (issues.length > 0) throw new ValidationError('settings', issues);
  return signIns;
}
