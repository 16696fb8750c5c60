import { networkCode } from '../sdkErrors.js';
import { isServiceBusError, type ServiceBusErrorCode } from '@azure/service-bus';
import { TransientError, ValidationError } from '../../domain/errors.js';

/** A Service Bus call: what was being done, and to which entity. */
export interface ServiceBusOperation {
  /** What was being done, e.g. `sending approval a1b2 for myapp`. */
  readonly doing: string;
  readonly entity: { readonly kind: 'queue' | 'topic'; readonly name: string };
  /** The namespace host (`<ns>.servicebus.windows.net`), when known. */
  readonly namespace?: string | undefined;
}

/** Codes that say the service may well succeed on a later try. */
const transientCodes = new Set<ServiceBusErrorCode>([
  'ServiceBusy',
  'ServiceTimeout',
  'ServiceCommunicationProblem',
  'GeneralError',
]);

/**
 * A failed connection, as Node or the SDK reports it. The SDK copies the system error's
 * `syscall` onto its own error (and may rename the code: `ENOTFOUND` becomes
 * `MessagingEntityNotFound`), so `syscall` is checked before the Service Bus code.
 */
function networkProblem(error: unknown): string | undefined {
  if (error instanceof AggregateError) {
    const inner = error.errors.map(networkProblem).find((p) => p !== undefined);
    return inner ?? undefined;
  }
  if (!(error instanceof Error)) return undefined;
  const { syscall, address } = error as {
    syscall?: unknown;
    address?: unknown;
  };
  const isNetwork = typeof syscall === 'string' || networkCode(error) !== undefined;
  if (!isNetwork) return undefined;
  const where = typeof address === 'string' ? ` (${address})` : '';
  return `${error.message}${where}`;
}

/**
 * The error to throw when `operation` failed with `error` (the original is the `cause`):
 *
 * - unreachable namespace, throttling, timeouts, `retryable` SDK errors and the codes
 *   ServiceBusy/ServiceTimeout/ServiceCommunicationProblem/GeneralError → `TransientError`,
 *   so the caller's platform retries;
 * - a missing or disabled entity, or missing rights → a plain Error saying what to create,
 *   enable or grant (checked first: the SDK marks UnauthorizedAccess retryable, in case
 *   credentials are being rotated, but retrying does not grant a role);
 * - anything else → a plain Error naming the operation.
 */
export function serviceBusFailure(operation: ServiceBusOperation, error: unknown): Error {
  if (error instanceof TransientError || error instanceof ValidationError) return error;
  const { doing, entity, namespace } = operation;
  const target = `the ${entity.name} ${entity.kind}${namespace ? ` of ${namespace}` : ''}`;
  const network = networkProblem(error);
  if (network !== undefined)
    return new TransientError(`${doing}: cannot reach Service Bus: ${network}`, { cause: error });
  if (isServiceBusError(error)) {
    const detail = `(${error.code}: ${error.message})`;
    switch (error.code) {
      case 'MessagingEntityNotFound':
        return new Error(`${doing}: ${target} does not exist: create it ${detail}`, {
          cause: error,
        });
      case 'MessagingEntityDisabled':
        return new Error(`${doing}: ${target} is disabled: enable it ${detail}`, {
          cause: error,
        });
      case 'UnauthorizedAccess':
        return new Error(
          `${doing}: not authorized: grant this identity Azure Service Bus Data Sender on ${target} ${detail}`,
          { cause: error },
        );
      default:
        if (error.retryable || transientCodes.has(error.code))
          return new TransientError(`${doing}: Service Bus unavailable ${detail}`, {
            cause: error,
          });
        return new Error(`${doing}: ${error.code}: ${error.message}`, { cause: error });
    }
  }
  if (error instanceof Error) {
    if ((error as { retryable?: unknown }).retryable === true)
      return new TransientError(`${doing}: Service Bus unavailable: ${error.message}`, {
        cause: error,
      });
    return new Error(`${doing}: ${error.name}: ${error.message}`, { cause: error });
  }
  return new Error(`${doing}: ${String(error)}`, { cause: error });
}
