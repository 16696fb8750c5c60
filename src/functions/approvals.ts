import { randomUUID } from 'node:crypto';
import type { ServicesProvider } from '../composition/createServices.js';
import { messageActor, messageTarget, parsePromotionMessage } from '../domain/promotionMessage.js';
import { json } from './http/problem.js';
import { PROMOTER_MAX_SKEW_SECONDS, verifyPromoterSignature } from '../domain/promoterSignature.js';
import { parseJson } from './http/parseJson.js';
import { readSignedBody, type SignedEndpoint } from './http/readSignedBody.js';
import { withServices } from './withServices.js';

const REPLAYED =
  'this signed request was received before (a replay): sign each request anew, with a new X-Promoter-Timestamp';

/**
 * The signed endpoint: at most 64 KiB, and signatures remembered for twice the timestamp
 * window, longer than any timestamp they could be accepted with.
 */
const APPROVALS: SignedEndpoint = {
  caller: 'approval',
  setting: 'PROMOTER_APPROVALS_HMAC_SECRET',
  maxBytes: 64 * 1024,
  replay: {
    scope: 'approvals',
    rememberMs: 2 * PROMOTER_MAX_SKEW_SECONDS * 1000,
    refusal: REPLAYED,
  },
};

/**
 * `POST /api/approvals`: queues an approval or rejection, a rollback or an unpin (the
 * message contract; `type`, `id` and `source` may be left out: `approval`, a new UUID and
 * `http`). The request must be signed
 * with `PROMOTER_APPROVALS_HMAC_SECRET` (`X-Promoter-Signature`, `X-Promoter-Timestamp`: see
 * `signPromoterRequest`); a forged, stale or replayed request is answered 401 and changes
 * nothing. Unset, the secret refuses every request (401: it is not a condition a retry fixes).
 * Nothing is promoted inside the request: 202 means queued.
 */
export function approvals(getServices: ServicesProvider) {
  return withServices(getServices, async (services, request, context) => {
    const now = services.clock.now();
    const body = await readSignedBody(request, context, APPROVALS, {
      secret: services.config.approvalsHmacSecret,
      verify: (text, secret) => verifyPromoterSignature(request.headers, text, secret, now),
      replays: { guard: services.replays, now },
    });
    if (body.kind === 'refused') return body.answer;
    const parsed = parseJson(body.text, 'approval request');
    const fields =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {};
    const message = parsePromotionMessage({
      type: 'approval',
      id: randomUUID(),
      source: 'http',
      ...fields,
    });
    await services.approvals.send(message);
    context.info(`${message.type} queued`, {
      messageId: message.id,
      repository: message.repository,
      stage: messageTarget(message),
      ...(message.type === 'approval' ? { decision: message.decision } : {}),
      approver: messageActor(message),
    });
    return json(202, {
      id: message.id,
      status: 'queued',
      repository: message.repository,
      ...(message.type === 'check' ? { check: message.name } : { stage: message.stage }),
    });
  });
}
