import type { ProbeFailure } from '../../ports/doctorProbes.js';
import { assigneeHints, commonAdvice, describeIdentity, roleCommand } from './doctorAdvice.js';
import type { Advice, AdviceContext } from './doctorAdvice.js';

/** Whether the send or the receive check failed. */
export type BusStep = 'send' | 'receive';

/** `queue promotions` → `/queues/promotions`: the entity's part of its resource id. */
function entityPath(entity: string | undefined): string {
  const [kind, name = ''] = (entity ?? '').split(' ');
  if (kind === 'queue') return `/queues/${name}`;
  if (kind === 'topic') return `/topics/${name}`;
  if (kind === 'subscription') {
    const [topic, subscription] = name.split('/');
    return `/topics/${topic ?? ''}/subscriptions/${subscription ?? ''}`;
  }
  return '';
}

/** The az command that creates a missing entity. */
function createCommand(entity: string | undefined, namespace: string): string {
  const [kind, name = ''] = (entity ?? '').split(' ');
  const base = `-g <resource-group> --namespace-name ${namespace}`;
  if (kind === 'queue')
    return `az servicebus queue create ${base} -n ${name} --enable-session true --max-delivery-count <PROMOTER_MAX_DELIVERY_COUNT>`;
  if (kind === 'topic') return `az servicebus topic create ${base} -n ${name}`;
  const [topic, subscription] = name.split('/');
  return `az servicebus topic subscription create ${base} --topic-name ${topic ?? ''} -n ${subscription ?? ''}`;
}

/** Explains a failed Service Bus check, with the commands that fix it. */
export function busAdvice(failure: ProbeFailure, ctx: AdviceContext & { step: BusStep }): Advice {
  const { target, identity, setting, step } = ctx;
  const namespace = target.split('.')[0] ?? target;
  const common = commonAdvice(failure, ctx, [
    'az servicebus namespace list --query "[].serviceBusEndpoint" -o tsv',
  ]);
  if (common) return common;
  const entity = failure.entity ?? 'an entity';
  const right = step === 'send' ? 'Send' : 'Listen';
  switch (failure.kind) {
    case 'denied':
      if (identity.kind === 'shared-key')
        return {
          cause: `the shared access policy in ${setting} lacks ${right} on ${entity} of ${target} (${failure.answer})`,
          fix: [
            `use a policy with Send and Listen: az servicebus namespace authorization-rule keys list -g <resource-group> --namespace-name ${namespace} -n <policy> --query primaryConnectionString -o tsv   # then set ${setting} to it`,
          ],
        };
      return {
        cause: `${describeIdentity(identity)} lacks ${right} rights on ${entity} of ${target} (${failure.answer})`,
        fix: [
          roleCommand(
            identity,
            step === 'send' ? 'Azure Service Bus Data Sender' : 'Azure Service Bus Data Receiver',
            `$(az servicebus namespace list --query "[?name=='${namespace}'].id" -o tsv)${entityPath(failure.entity)}`,
          ),
          ...assigneeHints(identity),
        ],
      };
    case 'missing':
      return {
        cause: `${entity} does not exist in ${target} (${failure.answer})`,
        fix: [
          'deploy the infrastructure, which creates it: azd provision',
          `or create it: ${createCommand(failure.entity, namespace)}`,
        ],
      };
    default:
      return { cause: `${target} answered: ${failure.answer} (${entity})`, fix: [] };
  }
}
