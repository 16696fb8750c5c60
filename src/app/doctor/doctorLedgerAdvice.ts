import type { ProbeFailure } from '../../ports/doctorProbes.js';
import { assigneeHints, commonAdvice, describeIdentity, roleCommand } from './doctorAdvice.js';
import type { Advice, AdviceContext } from './doctorAdvice.js';

/** `myaccount` of `https://myaccount.table.core.windows.net`, else a placeholder. */
function accountOf(endpoint: string): string {
  const host = /^https?:\/\/([^/:]+)/.exec(endpoint)?.[1] ?? '';
  const match = /^([a-z0-9]+)\.table\.core\./.exec(host);
  return match?.[1] ?? '<storage-account>';
}

/** Explains a failed ledger check (Azure Table Storage), with the commands that fix it. */
export function ledgerAdvice(failure: ProbeFailure, ctx: AdviceContext): Advice {
  const { target, identity, setting } = ctx;
  const account = accountOf(target);
  const common = commonAdvice(failure, ctx, [
    account === '<storage-account>'
      ? 'Azurite (the local ledger): npm start starts it; UseDevelopmentStorage=true expects it on 127.0.0.1:10002'
      : `az storage account show -n ${account} --query primaryEndpoints.table -o tsv`,
  ]);
  if (common) return common;
  const on = failure.entity ? `, ${failure.entity}` : '';
  switch (failure.kind) {
    case 'denied':
      if (identity.kind === 'shared-key')
        return {
          cause: `${target} refused the key in ${setting} (${failure.answer}${on}): it is wrong, was rotated, or is a SAS without table rights`,
          fix: [
            `az storage account show-connection-string -n ${account} --query connectionString -o tsv   # then set ${setting} to it`,
          ],
        };
      return {
        cause: `${describeIdentity(identity)} lacks data rights on the tables of ${account} (${failure.answer}${on})`,
        fix: [
          roleCommand(
            identity,
            'Storage Table Data Contributor',
            `$(az storage account show -n ${account} --query id -o tsv)`,
          ),
          ...assigneeHints(identity),
        ],
      };
    case 'missing':
      return {
        cause: `${failure.entity ?? 'a ledger table'} does not exist at ${target} and could not be created (${failure.answer})`,
        fix: [`check ${setting} and PROMOTER_TABLE_PREFIX`],
      };
    default:
      return { cause: `${target} answered: ${failure.answer}${on}`, fix: [] };
  }
}
