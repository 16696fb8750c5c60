import type { InvocationContext } from '@azure/functions';
import type { EventReport } from '../app/push/handleRegistryEvents.js';

/** Logs what the push flow did with each registry event (webhook and Event Grid alike). */
export function logRegistryReports(
  context: InvocationContext,
  reports: readonly EventReport[],
): void {
  for (const { result, promotionRequested } of reports) {
    if (result.outcome === 'drift') context.warn('registry event drift', result);
    else context.info(`registry event ${result.outcome}`, result);
    if (promotionRequested !== undefined)
      context.info('automatic promotion requested', { messageIds: [promotionRequested] });
  }
}
