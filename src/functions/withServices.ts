import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Services, ServicesProvider } from '../composition/createServices.js';
import { TransientError, ValidationError } from '../domain/errors.js';
import { problem } from './http/problem.js';

/**
 * Wraps an HTTP handler: resolves the services (a settings error answers 500 and is logged,
 * without revealing settings to the caller) and maps errors the handler lets through: bad
 * input (ValidationError) → 400 naming the fields; a dependency outage (TransientError) → 503
 * with Retry-After, so a caller that retries does (the distribution registry redelivers; ACR
 * never retries a webhook: the reconciler records what it lost); anything else → a logged 500.
 */
export function withServices(
  getServices: ServicesProvider,
  handler: (
    services: Services,
    request: HttpRequest,
    context: InvocationContext,
  ) => Promise<HttpResponseInit>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    let services: Services;
    try {
      services = await getServices();
    } catch (error) {
      const message = error instanceof ValidationError ? error.message : String(error);
      context.error(`promoter is misconfigured: ${message}`);
      return problem(
        500,
        'Misconfigured',
        'promoter is misconfigured; its logs say which setting to fix',
      );
    }
    try {
      return await handler(services, request, context);
    } catch (error) {
      if (error instanceof ValidationError) {
        context.warn('bad request refused', { subject: error.subject, errors: error.issues });
        return problem(400, 'Bad Request', error.message, { errors: error.issues });
      }
      if (error instanceof TransientError) {
        context.error('dependency unavailable; answering 503', { error: error.message });
        return problem(503, 'Service Unavailable', `try again: ${error.message}`, {
          headers: { 'retry-after': '5' },
        });
      }
      context.error('unexpected error', {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      return problem(
        500,
        'Internal Server Error',
        'an unexpected error occurred; see the function logs',
      );
    }
  };
}
