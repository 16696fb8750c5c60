import type { Issue } from '../domain/errors.js';

/**
 * `@Microsoft.KeyVault(SecretUri=…)` or `@Microsoft.KeyVault(VaultName=…;SecretName=…)`: App
 * Service replaces such a value with the secret before the app starts, and when it cannot read
 * the secret it passes the reference text itself ("If a reference isn't resolved properly, the
 * reference value is used instead", Microsoft's Key Vault references page).
 */
const REFERENCE = /^\s*@Microsoft\.KeyVault\s*\(/i;

/** Whether a setting's value is a Key Vault reference App Service did not resolve. */
export const isUnresolvedReference = (value: string | undefined): boolean =>
  value !== undefined && REFERENCE.test(value);

/** What to do about an unresolved reference, in the words of the setting it names. */
export function unresolvedReferenceMessage(name: string): string {
  return [
    'is an unresolved Key Vault reference: App Service passed the text "@Microsoft.KeyVault(…)" instead of the secret, so promoter refuses it.',
    "On a first deployment the app's identity usually does not hold its Key Vault Secrets User role yet (a new role assignment takes minutes to propagate).",
    `Check the reference's status in the portal (the function app → Settings → Environment variables → ${name}: the Key Vault reference status names the cause, e.g. AccessToKeyVaultDenied or SecretNotFound) or with \`az rest --method get --url "$(az functionapp show -n $APP -g $RG --query id -o tsv)/config/configreferences/appsettings/${name}?api-version=2022-03-01"\`;`,
    'once the cause is fixed, restart the app (`az functionapp restart -n $APP -g $RG`): App Service fetches references again on a restart or configuration change, otherwise only every 24 hours.',
  ].join(' ');
}

/** One issue per setting in `settings` whose value is an unresolved Key Vault reference. */
export function unresolvedReferenceIssues(
  settings: Readonly<Record<string, string | undefined>>,
): Issue[] {
  return Object.entries(settings)
    .filter(([, value]) => isUnresolvedReference(value))
    .map(([name]) => ({ path: name, message: unresolvedReferenceMessage(name) }));
}
