import type { ProbeFailure, ProbeIdentity, StageRegistryProbe } from '../../ports/doctorProbes.js';
import { assigneeHints, commonAdvice, describeIdentity, roleCommand } from './doctorAdvice.js';
import type { Advice } from './doctorAdvice.js';

/** The role Microsoft names for `az acr import`, on the target and on the source. */
export const IMPORT_ROLE = 'Container Registry Data Importer and Data Reader';

/** What a declared registry's step needs. */
export type StageRegistryStep = 'read' | 'push' | 'lock';

const rights: Record<StageRegistryStep, string> = {
  read: 'pull',
  push: 'push',
  lock: 'tag-lock (metadata write)',
};

/** `release` or `rc and release`. */
export const stageList = (probe: Pick<StageRegistryProbe, 'stages'>): string => {
  const names = [...new Set(probe.stages.map((s) => s.stage))];
  return names.length === 1
    ? `stage ${names[0] ?? ''}`
    : `stages ${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
};

/** `--scope` of a role command for an ACR: its declared resource id, else a lookup by name. */
export const scopeOf = (probe: Pick<StageRegistryProbe, 'target' | 'resourceId'>): string =>
  probe.resourceId ?? `$(az acr show -n ${probe.target.split('.')[0] ?? ''} --query id -o tsv)`;

/** How infra/ grants the roles on a target ACR (docs/deployment.md). */
export const provisionHint = (resourceId: string | undefined): string =>
  `or let the deployment grant them: azd env set PROMOTER_TARGET_REGISTRY_RESOURCE_IDS ${resourceId ?? '<resource id>'} (comma-separated with the others), then azd provision (infra/modules/targetRegistryRoles.bicep; docs/deployment.md#promoting-into-another-acr)`;

/**
 * Explains a failed read or write in a registry the pipeline declares: which registry and
 * which stages, how promoter signed in there (`registries.<server>.signIn`), and what to
 * assign or change.
 */
export function stageRegistryAdvice(
  failure: ProbeFailure,
  probe: StageRegistryProbe,
  identity: ProbeIdentity,
  step: StageRegistryStep,
): Advice {
  const { target } = probe;
  const where = `${target}, where ${stageList(probe)} ${probe.stages.length === 1 ? 'is' : 'are'} kept`;
  const field = `registries.${target}`;
  const common = commonAdvice(failure, { target, setting: field, identity }, [
    `curl -sS -o /dev/null -w '%{http_code}\\n' https://${target}/v2/   # 200 or 401: the registry answers`,
  ]);
  if (common) return { cause: `${stageList(probe)}: ${common.cause}`, fix: common.fix };
  const right = rights[step];
  if (failure.kind === 'denied' || failure.kind === 'sign-in-unsupported') {
    if (probe.signIn === 'azure') {
      const abacRole = 'Container Registry Repository Writer';
      return {
        cause: `${describeIdentity(identity)} lacks ${right} rights on ${where} (${failure.answer})`,
        fix: probe.isAcr
          ? [
              `on a registry in "RBAC Registry + ABAC Repository Permissions" mode: ${roleCommand(identity, abacRole, scopeOf(probe))}`,
              `on an RBAC-only registry: ${roleCommand(identity, 'AcrPush', scopeOf(probe))}`,
              provisionHint(probe.resourceId),
              ...assigneeHints(identity),
            ]
          : [
              `${target} is not an Azure Container Registry: ${field}.signIn azure signs in with ACR's token exchange only; declare signIn basic (usernameSetting, passwordSetting) or anonymous for it`,
            ],
      };
    }
    if (probe.signIn === 'basic') {
      const settings = probe.basicSettings;
      const names = settings
        ? `${settings.usernameSetting} and ${settings.passwordSetting}`
        : 'the settings it names';
      return {
        cause: `${target} (${stageList(probe)}) refused ${right} to ${describeIdentity(identity)} (${failure.answer}): ${field}.signIn is basic`,
        fix: [
          `check that ${names} hold a user with pull and push rights on ${target} (in Azure: Key Vault references the app can resolve), then restart the app`,
          `or change how promoter signs in to it: ${field} in the pipeline file`,
        ],
      };
    }
    return {
      cause: `${target} (${stageList(probe)}) refused anonymous ${right} (${failure.answer}): ${field}.signIn is anonymous`,
      fix: [
        `declare how promoter signs in: ${field}: { "signIn": "basic", "usernameSetting": "…", "passwordSetting": "…" } (or "azure" for an Azure Container Registry)`,
        `or allow anonymous pull and push on ${target} for promoter's network`,
      ],
    };
  }
  return { cause: `${target} (${stageList(probe)}) answered: ${failure.answer}`, fix: [] };
}
