import type { ProbeFailure } from '../../ports/doctorProbes.js';
import { assigneeHints, commonAdvice, describeIdentity, roleCommand } from './doctorAdvice.js';
import type { Advice, AdviceContext } from './doctorAdvice.js';

/** The registry step that failed. */
export type RegistryStep = 'pull' | 'push' | 'lock' | 'delete';

/** What a step needs, in words and as roles (RBAC-only registry, ABAC-mode registry). */
const needs: Record<RegistryStep, { right: string; role: string; abacRole: string }> = {
  pull: {
    right: 'pull',
    // AcrPush includes pull, and promoter pushes too: one role for both.
    role: 'AcrPush',
    abacRole: 'Container Registry Repository Writer',
  },
  push: { right: 'push', role: 'AcrPush', abacRole: 'Container Registry Repository Writer' },
  lock: {
    right: 'tag-lock (metadata write)',
    role: 'AcrPush',
    abacRole: 'Container Registry Repository Writer',
  },
  delete: {
    right: 'delete',
    role: 'AcrDelete',
    abacRole: 'Container Registry Repository Contributor',
  },
};

/** `myacr` of `myacr.azurecr.io`. */
const registryName = (host: string) => host.split('.')[0] ?? host;

/** The registry step, its scratch repository and tag, and whether the registry is ACR. */
export interface RegistryAdviceContext extends AdviceContext {
  readonly step: RegistryStep;
  readonly isAcr: boolean;
  readonly repository: string;
  readonly tag: string;
}

/** Explains a failed registry check, with the exact commands that fix it. */
export function registryAdvice(failure: ProbeFailure, ctx: RegistryAdviceContext): Advice {
  const { target, step, isAcr, identity } = ctx;
  const name = registryName(target);
  const scope = `$(az acr show -n ${name} --query id -o tsv)`;
  const left =
    step === 'delete'
      ? [
          `the scratch tag ${ctx.repository}:${ctx.tag} stays behind${isAcr ? `; remove it: az acr repository delete -n ${name} --image ${ctx.repository}:${ctx.tag} --yes` : ''}`,
        ]
      : [];
  const common = commonAdvice(failure, ctx, [
    `curl -sS -o /dev/null -w '%{http_code}\\n' https://${target}/v2/   # 200 or 401: the registry answers`,
  ]);
  if (common) return { cause: common.cause, fix: [...common.fix, ...left] };
  const need = needs[step];
  switch (failure.kind) {
    case 'denied':
      if (identity.kind === 'anonymous')
        return {
          cause: `${target} refused anonymous ${need.right} (${failure.answer}): promoter signs in anonymously because PROMOTER_REGISTRY_AUTH is anonymous`,
          fix: isAcr
            ? [
                'set PROMOTER_REGISTRY_AUTH=azure (DefaultAzureCredential: the managed identity in Azure, az login locally)',
                roleCommand(identity, need.role, scope),
                ...assigneeHints(identity),
              ]
            : [
                `allow anonymous ${need.right} on ${target} for promoter (promoter signs in only to an Azure Container Registry, with an Azure identity)`,
              ],
        };
      return {
        cause: `${describeIdentity(identity)} lacks ${need.right} rights on ${target} (${failure.answer})`,
        fix: [
          roleCommand(identity, need.role, scope),
          `on a registry in "RBAC Registry + ABAC Repository Permissions" mode: ${roleCommand(identity, need.abacRole, scope)}`,
          ...(step === 'lock'
            ? [
                'on an RBAC-only registry AcrPush may not cover tag locks: switch the registry to "RBAC Registry + ABAC Repository Permissions" and assign Container Registry Repository Writer',
              ]
            : []),
          ...assigneeHints(identity),
          ...left,
        ],
      };
    case 'sign-in-unsupported':
      return {
        cause: `${target} asks for credentials promoter cannot give (${failure.answer}): promoter signs in to a registry only with an Azure identity (ACR's token exchange) or anonymously`,
        fix: [
          `let promoter in without a password: allow anonymous pull and push on ${target} for promoter's network`,
          'or use an Azure Container Registry: PROMOTER_REGISTRY=<name>.azurecr.io, PROMOTER_REGISTRY_AUTH=azure',
        ],
      };
    case 'unsupported':
      return {
        cause: `${target} does not allow deletes (${failure.answer})`,
        fix: [
          'distribution registry: set storage.delete.enabled: true in its config.yml and restart it (retention deletes old builds the same way)',
          ...left,
        ],
      };
    default:
      return { cause: `${target} answered: ${failure.answer}`, fix: left };
  }
}
