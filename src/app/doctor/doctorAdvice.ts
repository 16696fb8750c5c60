import type { ProbeFailure, ProbeIdentity } from '../../ports/doctorProbes.js';

/** A failure explained: the cause in plain words, and what to do (commands verbatim). */
export interface Advice {
  readonly cause: string;
  readonly fix: readonly string[];
}

/** What an explanation needs to know besides the failure. */
export interface AdviceContext {
  /** The host, endpoint or namespace probed. */
  readonly target: string;
  /** The setting that names it. */
  readonly setting: string;
  readonly identity: ProbeIdentity;
}

/** Who the identity is, for a person: `user alice@contoso.com (object id 1b2c…)`. */
export function describeIdentity(identity: ProbeIdentity): string {
  switch (identity.kind) {
    case 'anonymous':
      return 'anonymous (no credentials)';
    case 'basic':
      return `user ${identity.username} (from ${identity.setting})`;
    case 'shared-key':
      return `the key in ${identity.setting}`;
    case 'token-unavailable':
      return 'DefaultAzureCredential (no credential signed in)';
    case 'token': {
      const p = identity.principal;
      const mi = p.managedIdentityResourceId?.split('/').filter(Boolean).pop();
      const name = p.userPrincipalName
        ? `user ${p.userPrincipalName}`
        : mi
          ? `managed identity ${mi}`
          : p.appId
            ? `application ${p.appId}`
            : 'the Azure identity of DefaultAzureCredential';
      return p.objectId ? `${name} (object id ${p.objectId})` : name;
    }
  }
}

/** The `--assignee` of a role assignment: the object id when the token named it. */
export function assigneeOf(identity: ProbeIdentity): string {
  return identity.kind === 'token' && identity.principal.objectId
    ? identity.principal.objectId
    : '<principal-object-id>';
}

/** How to find the object id when the token did not say. */
export function assigneeHints(identity: ProbeIdentity): readonly string[] {
  if (assigneeOf(identity) !== '<principal-object-id>') return [];
  return [
    "<principal-object-id> is the function app's identity: az functionapp identity show -g <resource-group> -n <function-app> --query principalId -o tsv (for yourself: az ad signed-in-user show --query id -o tsv)",
  ];
}

/** `az role assignment create …` for `role` on the resource id that `scope` evaluates to. */
export function roleCommand(identity: ProbeIdentity, role: string, scope: string): string {
  const quoted = /\s/.test(role) ? `"${role}"` : role;
  return `az role assignment create --assignee ${assigneeOf(identity)} --role ${quoted} --scope ${scope}`;
}

/** How to sign in when DefaultAzureCredential found no credential. */
export const signInFix: readonly string[] = [
  'on your machine: az login, then run promoter doctor again',
  'in Azure: give the function app a managed identity: az functionapp identity assign -g <resource-group> -n <function-app> (a user-assigned identity also needs the setting AZURE_CLIENT_ID=<its client id>)',
];

/**
 * Explains the failures that read the same for every service (no credential, failed sign-in,
 * no connection, untrusted certificate, unavailable), or undefined for the service's own
 * explanation. `reach` is a command that shows what the setting should be.
 */
export function commonAdvice(
  failure: ProbeFailure,
  ctx: AdviceContext,
  reach: readonly string[],
): Advice | undefined {
  const on = failure.entity ? ` (${failure.entity})` : '';
  switch (failure.kind) {
    case 'no-credential':
      return {
        cause: `no Azure credential was found to sign in to ${ctx.target} with: ${failure.answer}`,
        fix: signInFix,
      };
    case 'sign-in-failed':
      return {
        cause: `signing in to Azure failed: ${failure.answer}`,
        fix: [
          'az login again (or check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or the managed identity set in AZURE_CLIENT_ID)',
        ],
      };
    case 'unreachable':
      return {
        cause: `cannot reach ${ctx.target}${on} (${failure.answer}): the host in ${ctx.setting} is wrong or unreachable from here`,
        fix: [`check ${ctx.setting}`, ...reach],
      };
    case 'untrusted-certificate':
      return {
        cause: `the TLS certificate of ${ctx.target} is not trusted (${failure.answer})`,
        fix: [
          `export NODE_EXTRA_CA_CERTS=<the CA certificate (PEM) that signed ${ctx.target}'s certificate>, then run promoter doctor again`,
        ],
      };
    case 'unavailable':
      return {
        cause: `${ctx.target}${on} is unavailable right now (${failure.answer})`,
        fix: ["try again in a minute; if it persists, check the service's health"],
      };
    case 'other':
      return { cause: `${ctx.target}${on} answered: ${failure.answer}`, fix: [] };
    default:
      return undefined;
  }
}
