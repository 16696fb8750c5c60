import type { ProbeResult, RegistryProbe } from '../../ports/doctorProbes.js';
import { describeIdentity } from './doctorAdvice.js';
import { registryAdvice, type RegistryStep } from './doctorRegistryAdvice.js';
import {
  runCheck as run,
  skippedCheck as skipped,
  type CheckReport,
  type DiagnoseOptions,
} from './doctorReport.js';

/**
 * The registry checks: pull; in `full` mode also push a scratch manifest, lock it (ACR only)
 * and, when the app deletes (retention on), delete it again. A check that cannot run without
 * an earlier one is skipped, saying why.
 */
export async function registryChecks(
  probe: RegistryProbe | undefined,
  options: DiagnoseOptions,
): Promise<CheckReport[]> {
  const { repository, scratchTag: tag } = options;
  if (!probe)
    return [
      {
        name: 'registry pull',
        tried: 'nothing: no registry is configured',
        as: '-',
        status: 'failed',
        cause: 'PROMOTER_REGISTRY is not set: promoter does not know which registry to re-tag in',
        fix: ['set PROMOTER_REGISTRY=<host[:port]>, e.g. myacr.azurecr.io'],
      },
    ];
  const identity = await probe.identity();
  const as = describeIdentity(identity);
  const at = probe.target;
  const explain = (step: RegistryStep) => (failure: Parameters<typeof registryAdvice>[0]) =>
    registryAdvice(failure, {
      target: at,
      setting: probe.setting,
      identity,
      step,
      isAcr: probe.isAcr,
      repository,
      tag,
    });
  const pull = await run(
    'registry pull',
    `resolve a tag that should not exist in ${repository} at ${at}`,
    as,
    () => probe.pull(repository),
    explain('pull'),
  );
  if (options.mode === 'quick') return [pull];

  let digest: string | undefined;
  const push = await run(
    'registry push',
    `put a scratch manifest under ${repository}:${tag} in ${at}`,
    as,
    async () => {
      const result = await probe.push(repository, tag);
      if (result.ok) digest = result.digest;
      return result;
    },
    explain('push'),
  );
  const lockTried = `lock and unlock ${repository}:${tag} in ${at}`;
  const deleteTried = `delete the scratch manifest ${repository}:${tag} from ${at}`;
  if (digest === undefined) {
    const reason = 'needs the scratch tag, which could not be pushed';
    return [
      pull,
      push,
      skipped(
        'registry tag lock',
        lockTried,
        as,
        probe.isAcr ? reason : `${at} is not an Azure Container Registry (no tag locks)`,
      ),
      skipped('registry delete', deleteTried, as, reason),
    ];
  }
  const scratch = digest;
  /** A check that runs when `on`, and is skipped saying `off` otherwise. */
  const optional = async (
    name: 'registry tag lock' | 'registry delete',
    tried: string,
    on: boolean,
    attempt: () => Promise<ProbeResult>,
    step: RegistryStep,
    off: string,
  ) => (on ? run(name, tried, as, attempt, explain(step)) : skipped(name, tried, as, off));
  const lock = await optional(
    'registry tag lock',
    lockTried,
    probe.isAcr,
    () => probe.lock(repository, tag),
    'lock',
    `tag locks are an Azure Container Registry feature; ${at} has none (the ledger keeps stage tags immutable there)`,
  );
  const remove = await optional(
    'registry delete',
    deleteTried,
    options.deletes,
    () => probe.remove(repository, scratch),
    'delete',
    `retention is off (PROMOTER_RETENTION_DAYS is not set), so promoter deletes nothing and needs no delete right; ${repository}:${tag} stays for the next run to overwrite`,
  );
  return [pull, push, lock, remove];
}
