import {
  IMPORT_ACTION,
  IMPORT_SOURCE_ACTIONS,
  allowsAction,
  type AzurePermission,
} from '../../domain/azurePermissions.js';
import type { ProbeIdentity, ProbeResult, StageRegistryProbe } from '../../ports/doctorProbes.js';
import { assigneeHints, describeIdentity, roleCommand } from './doctorAdvice.js';
import {
  runCheck as run,
  skippedCheck as skipped,
  DOCTOR_REPOSITORY,
  type CheckReport,
  type DiagnoseOptions,
} from './doctorReport.js';
import {
  IMPORT_ROLE,
  provisionHint,
  stageList,
  stageRegistryAdvice,
  type StageRegistryStep,
} from './doctorStageRegistryAdvice.js';

/** `prodacr` of an ACR resource id. */
const nameOf = (resourceId: string): string => resourceId.split('/').at(-1) ?? resourceId;

/**
 * The checks of each registry the pipeline declares and stages are kept in, signing in as
 * declared: `stage registry read` (both modes) resolves an absent tag in each stage's
 * repository (the scratch repository through the stage's template); in `full` mode `stage
 * registry write` puts a scratch manifest there under the fixed tag `promoter-doctor` (never
 * deleted: promoter has no delete right in a stage's registry) and locks and unlocks it on ACR,
 * and `stage registry import` reads through Resource Manager whether the identity may import
 * into the registry and read the stages' source registries (ACRs with resource ids only).
 * Every check names the registry (`registry`) and its stages.
 */
export async function stageRegistryChecks(
  probes: readonly StageRegistryProbe[] | undefined,
  options: DiagnoseOptions,
): Promise<CheckReport[]> {
  const reports: CheckReport[] = [];
  for (const probe of probes ?? []) reports.push(...(await registryChecks(probe, options)));
  return reports;
}

async function registryChecks(
  probe: StageRegistryProbe,
  options: DiagnoseOptions,
): Promise<CheckReport[]> {
  const identity = await probe.identity();
  const as = describeIdentity(identity);
  const at = probe.target;
  const stages = stageList(probe);
  const repositories = [...new Set(probe.stages.map((s) => s.repository))];
  const explain = (step: StageRegistryStep) => (f: Parameters<typeof stageRegistryAdvice>[0]) =>
    stageRegistryAdvice(f, probe, identity, step);
  const reports: CheckReport[] = [];
  for (const repository of repositories)
    reports.push(
      await run(
        'stage registry read',
        `sign in to ${at} as ${probe.setting}.signIn says (${probe.signIn}) and resolve a tag that should not exist in ${repository} (${stages})`,
        as,
        () => probe.pull(repository),
        explain('read'),
        at,
      ),
    );
  if (options.mode === 'quick') return reports;

  const tag = DOCTOR_REPOSITORY;
  for (const repository of repositories) {
    let step: StageRegistryStep = 'push';
    reports.push(
      await run(
        'stage registry write',
        `put a scratch manifest under ${repository}:${tag} in ${at}${probe.isAcr ? ', lock and unlock it' : ''} (${stages})`,
        as,
        async (): Promise<ProbeResult> => {
          const pushed = await probe.push(repository, tag);
          if (!pushed.ok || !probe.isAcr) return pushed;
          step = 'lock';
          const locked = await probe.lock(repository, tag);
          return locked.ok ? { ok: true, detail: `${pushed.detail}; ${locked.detail}` } : locked;
        },
        (f) => explain(step)(f),
        at,
      ),
    );
  }
  reports.push(await importCheck(probe, identity, as));
  return reports;
}

/** `stage registry import`: Resource Manager's word on the import rights, where it can tell. */
async function importCheck(
  probe: StageRegistryProbe,
  identity: ProbeIdentity,
  as: string,
): Promise<CheckReport> {
  const at = probe.target;
  const stages = stageList(probe);
  const sources = [...new Set(probe.stages.flatMap((s) => s.importSource ?? []))];
  const tried = `read through Resource Manager this identity's rights on ${at}${sources.length > 0 ? ` and on the import source ${sources.map(nameOf).join(', ')}` : ''} (${stages})`;
  const skip = (reason: string) => skipped('stage registry import', tried, as, reason, at);
  if (!probe.isAcr || probe.signIn !== 'azure')
    return skip(
      `${at} is not an Azure Container Registry promoter signs in to with its Azure identity: promotion into it copies through the distribution API, nothing is imported`,
    );
  const { resourceId, permissions } = probe;
  if (resourceId === undefined)
    return skip(
      `${probe.setting}.resourceId is not declared: promotion into ${at} copies through the distribution API (through the function); declare it to import server-side`,
    );
  if (sources.length === 0)
    return skip(
      `the registry ${stages} come${probe.stages.length === 1 ? 's' : ''} from has no resource id (PROMOTER_REGISTRY_RESOURCE_ID, or registries.<server>.resourceId): promotion into ${at} copies through the distribution API`,
    );
  if (permissions === undefined) return skip('no Azure identity to read the rights with');

  const missing: { id: string; actions: readonly string[] }[] = [];
  const unknown: string[] = [];
  const conditions: boolean[] = [];
  const inspect = async (id: string, actions: readonly string[]) => {
    const read = await permissions.permissions(id);
    if (!read.ok) {
      unknown.push(`${nameOf(id)} (${read.failure.answer})`);
      return;
    }
    const entries: readonly AzurePermission[] = read.permissions;
    conditions.push(entries.some((e) => e.condition !== undefined));
    const lacking = actions.filter((a) => !allowsAction(entries, a));
    if (lacking.length > 0) missing.push({ id, actions: lacking });
  };
  await inspect(resourceId, [IMPORT_ACTION]);
  for (const source of sources) await inspect(source, IMPORT_SOURCE_ACTIONS);
  const conditional = conditions.includes(true);

  if (missing.length > 0)
    return {
      name: 'stage registry import',
      tried,
      as,
      registry: at,
      status: 'failed',
      cause: `${as} may not import into ${at} (${stages}): Resource Manager lists ${missing
        .map(
          (m) =>
            `no ${m.actions.join(', ')} on ${nameOf(m.id)}${m.id === resourceId ? ' (the target)' : ' (the source)'}`,
        )
        .join('; ')}`,
      fix: [
        ...missing.map((m) => roleCommand(identity, IMPORT_ROLE, m.id)),
        provisionHint(resourceId),
        ...assigneeHints(identity),
      ],
    };
  const proof =
    'only a real promotion shows that the import service accepts them (Microsoft names the role, not the action it checks on the source)';
  if (unknown.length > 0)
    return skip(
      `Resource Manager did not tell this identity's rights on ${unknown.join(', ')}: the import into ${at} could not be checked; assign ${IMPORT_ROLE} on the target and on the source to be sure (docs/deployment.md#promoting-into-another-acr)`,
    );
  return {
    name: 'stage registry import',
    tried,
    as,
    registry: at,
    status: 'ok',
    detail: `Resource Manager lists importImage/action on ${nameOf(resourceId)} and ${IMPORT_SOURCE_ACTIONS.map((a) => a.split('/').slice(1).join('/')).join(', ')} on ${sources.map(nameOf).join(', ')}${conditional ? ' (some with ABAC conditions, not evaluated here)' : ''}; ${proof}`,
  };
}
