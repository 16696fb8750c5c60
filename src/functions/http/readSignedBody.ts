import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ReplayGuard } from '../../ports/replayGuard.js';
import { problem } from './problem.js';
import { readLimitedBody } from './readLimitedBody.js';

/** A signature check's result; `signature` is the verified value, usable as a replay key. */
export type SignatureCheck =
  | { readonly ok: true; readonly signature?: string }
  | { readonly ok: false; readonly reason: string };

/** What a signed endpoint is: fixed per endpoint. */
export interface SignedEndpoint {
  /** Who is calling, for logs and answers: `Slack`, `Teams`, `approval`. */
  readonly caller: string;
  /** The setting that enables the endpoint, named when it is unset. */
  readonly setting: string;
  readonly maxBytes: number;
  /**
   * Refuses a verified signature seen before (a replayed request) with 401 and `refusal`: its
   * signature is claimed in `scope` for `rememberMs`, longer than any timestamp it could be
   * accepted with.
   */
  readonly replay?: {
    readonly scope: string;
    readonly rememberMs: number;
    readonly refusal: string;
  };
}

/**
 * The shared front of every signed endpoint (approvals, Slack, Teams): refuses everything
 * when its secret is not configured (401: a retry cannot fix it), reads the raw body up to
 * `maxBytes` (413), verifies the signature over those exact bytes (401), and for an endpoint
 * with `replay` refuses a signature seen before (401). Nothing is parsed before the signature
 * holds.
 */
export async function readSignedBody(
  request: HttpRequest,
  context: InvocationContext,
  endpoint: SignedEndpoint,
  check: {
    /** The secret, or undefined when the endpoint is not enabled. */
    readonly secret: string | undefined;
    readonly verify: (body: string, secret: string) => SignatureCheck;
    /** Where an endpoint with `replay` claims signatures, and the time now. */
    readonly replays?: { readonly guard: ReplayGuard; readonly now: Date };
    /** Called once the signature holds, before the replay claim (to start work that overlaps it). */
    readonly onVerified?: () => void;
  },
): Promise<
  | { readonly kind: 'ok'; readonly text: string; readonly signature: string | undefined }
  | { readonly kind: 'refused'; readonly answer: HttpResponseInit }
> {
  const { caller, setting, maxBytes, replay } = endpoint;
  const { secret } = check;
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
  const verdict = check.verify(body.text, secret);
  if (!verdict.ok) {
    context.warn(`${caller} request refused`, { reason: verdict.reason });
    return { kind: 'refused', answer: problem(401, 'Unauthorized', verdict.reason) };
  }
  check.onVerified?.();
  if (replay) {
    if (!check.replays) throw new Error(`${caller}: a replay-checked endpoint needs its guard`);
    const { guard, now } = check.replays;
    const until = new Date(now.getTime() + replay.rememberMs);
    if (!(await guard.claim(replay.scope, verdict.signature ?? '', until))) {
      context.warn(`${caller} request refused`, { reason: 'replayed signature' });
      return { kind: 'refused', answer: problem(401, 'Unauthorized', replay.refusal) };
    }
  }
  return { kind: 'ok', text: body.text, signature: verdict.signature };
}
