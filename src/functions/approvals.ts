import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ServicesProvider } from '../composition.js';
import { parseApprovalMessage } from '../domain/approvalMessage.js';
import { json, problem } from './http/problem.js';
import { readLimitedBody } from './http/readLimitedBody.js';
import { checkSharedSecret } from './http/sharedSecret.js';
import { withServices } from './withServices.js';

const MAX_APPROVAL_BYTES = 64 * 1024;

/**
 * `POST /api/approvals`: queues an approval or rejection (the message contract; `type`, `id`
 * and `source` may be left out: `approval`, a new UUID and `http`). Authenticated with the
 * webhook's shared secret. Nothing is promoted inside the request: 202 means queued.
 */
export function approvals(getServices: ServicesProvider) {
  return withServices(
    getServices,
    async (
      services,
      request: HttpRequest,
      context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { config } = services;
      const auth = checkSharedSecret(request.headers.get(config.webhook.header), config.webhook);
      if (auth.kind !== 'ok') {
        context.warn('approval refused', { reason: `${auth.kind} secret` });
        return problem(
          401,
          'Unauthorized',
          `${auth.kind} secret in the ${config.webhook.header} header`,
        );
      }
      const body = await readLimitedBody(request, MAX_APPROVAL_BYTES);
      if (body.kind === 'too-large')
        return problem(
          413,
          'Payload Too Large',
          `an approval may be at most ${MAX_APPROVAL_BYTES} bytes`,
        );
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.text);
      } catch (error) {
        return problem(400, 'Bad Request', `the body is not JSON: ${(error as Error).message}`);
      }
      const fields =
        typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {};
      const message = parseApprovalMessage({
        type: 'approval',
        id: randomUUID(),
        source: 'http',
        ...fields,
      });
      await services.approvals.send(message);
      context.info('approval queued', {
        messageId: message.id,
        repository: message.repository,
        stage: message.stage,
        decision: message.decision,
        approver: message.approver.id,
      });
      return json(202, {
        id: message.id,
        status: 'queued',
        repository: message.repository,
        stage: message.stage,
      });
    },
  );
}
