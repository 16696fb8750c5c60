import type { PromotionMessage } from '../domain/promotionMessage.js';
import type { PromotionQueue } from '../ports/promotionQueue.js';
import { CliError, ExitCode } from './cliError.js';
import type { ApprovalTransport } from './cliSettings.js';

/** Service Bus settings: the namespace (with the caller's identity) or a connection string. */
export type ServiceBusTransport = Extract<ApprovalTransport, { kind: 'servicebus' }>;

/** The `promotions` queue, open until `close`. */
export interface OpenPromotionQueue extends PromotionQueue {
  close(): Promise<void>;
}

/** Opens the queue; the CLI uses the Service Bus adapter, tests pass a fake. */
export type OpenServiceBus = (transport: ServiceBusTransport) => Promise<OpenPromotionQueue>;

/**
 * Opens the `promotions` queue with the Service Bus adapter. The adapter, the SDK and
 * `@azure/identity` are imported only here, so that commands that do not need them start fast.
 */
export const openServiceBus: OpenServiceBus = async (transport) => {
  const { createServiceBusBus } = await import('../adapters/servicebus/serviceBusBus.js');
  if ('namespace' in transport) {
    const { DefaultAzureCredential } = await import('@azure/identity');
    const bus = createServiceBusBus({
      namespace: transport.namespace,
      credential: new DefaultAzureCredential(),
    });
    return { send: (m) => bus.approvals.send(m), close: () => bus.close() };
  }
  const bus = createServiceBusBus({ connectionString: transport.connectionString });
  return { send: (m) => bus.approvals.send(m), close: () => bus.close() };
};

/** Sends `message` on the `promotions` queue; a failure is a CliError naming the setting. */
export async function sendOverServiceBus(
  transport: ServiceBusTransport,
  message: PromotionMessage,
  open: OpenServiceBus = openServiceBus,
): Promise<void> {
  const advice =
    transport.setting === 'PROMOTER_SERVICEBUS_NAMESPACE'
      ? 'check PROMOTER_SERVICEBUS_NAMESPACE and that this identity (az login, or the pipeline’s OIDC login) has the Azure Service Bus Data Sender role'
      : 'check PROMOTER_SERVICEBUS_CONNECTION_STRING (a SAS policy with Send rights on the promotions queue)';
  let queue: OpenPromotionQueue | undefined;
  try {
    queue = await open(transport);
    await queue.send(message);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new CliError(ExitCode.transport, [`Service Bus (${transport.setting}): ${why}`, advice], {
      cause: error,
    });
  } finally {
    await queue?.close().catch(() => undefined);
  }
}
