import { handleRegistryEvents } from '../app/push/handleRegistryEvents.js';
import type { ServicesProvider } from '../composition/createServices.js';
import { parseRegistryEvents } from '../domain/registryEvents.js';
import { json, problem } from './http/problem.js';
import { logRegistryReports } from './logRegistryReports.js';
import { parseJson } from './http/parseJson.js';
import { readLimitedBody } from './http/readLimitedBody.js';
import { checkSharedSecret } from './http/sharedSecret.js';
import { withServices } from './withServices.js';

/** Largest webhook body accepted; registries send a few KiB. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * `POST /api/hooks/registry`: a registry's push/delete/ping webhook (ACR's single event or
 * the distribution registry's `{"events":[…]}` envelope). Answers 200 with what was done
 * with each event; 4xx for bad input, which changes nothing; 503 when the ledger is down
 * (the distribution registry redelivers; ACR does not, which is why Azure delivers through
 * Event Grid and the `registryEvents` function, and this endpoint is the fast path there).
 */
export function registryWebhook(getServices: ServicesProvider) {
  return withServices(getServices, async (services, request, context) => {
    const { config } = services;
    const auth = checkSharedSecret(request.headers.get(config.webhook.header), config.webhook);
    if (auth.kind !== 'ok') {
      context.warn('webhook refused', {
        reason: `${auth.kind} secret`,
        header: config.webhook.header,
      });
      const bearer = config.webhook.header.toLowerCase() === 'authorization';
      return problem(
        401,
        'Unauthorized',
        `${auth.kind === 'missing' ? 'missing' : 'wrong'} webhook secret: send ${bearer ? '"Authorization: Bearer <PROMOTER_WEBHOOK_SECRET>"' : `the secret in the ${config.webhook.header} header`}`,
        bearer ? { headers: { 'www-authenticate': 'Bearer realm="promoter"' } } : {},
      );
    }
    const body = await readLimitedBody(request, MAX_WEBHOOK_BODY_BYTES);
    if (body.kind === 'too-large')
      return problem(
        413,
        'Payload Too Large',
        `a webhook body may be at most ${MAX_WEBHOOK_BODY_BYTES} bytes`,
      );
    const parsed = parseJson(body.text, 'webhook body');
    const events = parseRegistryEvents(parsed);
    const reports = await handleRegistryEvents(events, {
      ...services,
      defaultRegistry: config.registry,
    });
    logRegistryReports(context, reports);
    const results = reports.map((r) => r.result);
    return json(200, { results });
  });
}
