import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ReplayGuard } from '../../ports/replayGuard.js';
import { problem } from './problem.js';
import { readLimitedBody } from './readLimitedBody.js';

/** A signature check's result; `signature` is the verified value, usable as a replay key. */
export type SignatureCheck =
  | { readonly ok: true; readonly signature?: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The shared front of every signed endpoint (approvals, Slack, Teams): refuses everything
 * when its secret is not configured (401: a retry cannot fix it), reads the raw body up to
 * `maxBytes` (413), verifies the signature over those exact bytes (401), and with `replays`
 * refuses a signature seen before (401). Nothing is parsed before the signature holds.
 */
export async function readSignedBody(
  request: HttpRequest,
  context: InvocationContext,
  options: {
    /** Who is calling, for logs and answers: `Slack`, `Teams`, `approval`. */
    readonly caller: string;
    /** The secret, or undefined when the endpoint is not enabled. */
    readonly secret: string | undefined;
    /** The setting that enables the endpoint, named when it is unset. */
    readonly setting: string;
    readonly maxBytes: number;
    readonly verify: (body: string, secret: string) => SignatureCheck;
    /**
     * Refuses a verified signature seen before (a replayed request) with 401 and `refusal`:
     * its signature is claimed in `scope` until `until`, longer than any timestamp it could be
     * accepted with.
     */
    readonly replays?: {
      readonly guard: ReplayGuard;
      readonly scope: string;
      readonly until: Date;
      readonly refusal: string;
    };
  },
): Promise<
  | { readonly kind: 'ok'; readonly text: string; readonly signature: string | undefined }
  | { readonly kind: 'refused'; readonly answer: HttpResponseInit }
> {
  const { caller, secret, setting, maxBytes } = options;
  if (secret === undefined) {
    context.warn(`${caller} request refused: ${setting} is not set`);
    return {
      kind: 'refused',
      answer: problem(
        401,
        'Unauthorized',
        `${caller} requests are not enabled on this promoter (${setting} is not set)`,
      ),
    };
  }
  const body = await readLimitedBody(request, maxBytes);
  if (body.kind === 'too-large')
    return {
      kind: 'refused',
      answer: problem(
        413,
        'Payload Too Large',
        `a ${caller} request may be at most ${maxBytes} bytes`,
      ),
    };
  const check = options.verify(body.text, secret);
  if (!check.ok) {
    context.warn(`${caller} request refused`, { reason: check.reason });
    return { kind: 'refused', answer: problem(401, 'Unauthorized', check.reason) };
  }
  const { replays } = options;
  if (
    replays &&
    !(await replays.guard.claim(replays.scope, check.signature ?? '', replays.until))
  ) {
    context.warn(`${caller} request refused`, { reason: 'replayed signature' });
    return { kind: 'refused', answer: problem(401, 'Unauthorized', replays.refusal) };
  }
  return { kind: 'ok', text: body.text, signature: check.signature };
}
