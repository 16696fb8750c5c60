import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { TransientError } from '../../domain/errors.js';
import type { RegistrySignIn } from '../../ports/imageCopier.js';
import type { OciAuth } from './ociAuth.js';
import type { BlobRequest, OciClient } from './ociClient.js';
import { answerOf, isTransientStatus, parseChallenge, unreachable } from './ociHttp.js';

/** What `sendBlob` needs of its client. */
export interface BlobSenderOptions {
  /** `https://host[:port]` */
  readonly endpoint: string;
  readonly registry: string;
  readonly signIn: RegistrySignIn;
  readonly timeoutInMs: number;
  readonly auth: OciAuth;
}

/** `OciClient.sendBlob` over `node:https`, signed in through the client's `auth`. */
export function createBlobSender(options: BlobSenderOptions): OciClient['sendBlob'] {
  const { endpoint, registry, signIn, timeoutInMs, auth } = options;
  const { authorization } = auth;

  const agent = new Agent({ keepAlive: true });

  /** One https request; resolves on its answer's head (a PUT once its body is sent). */
  function blobOnce(request: BlobRequest, url: URL, authHeader: string | undefined) {
    request.tally.requests += 1;
    const headers: Record<string, string> = { ...request.headers };
    if (authHeader !== undefined) headers.authorization = authHeader;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpsRequest(url, {
        method: request.method,
        headers,
        agent,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
      req.once('response', resolve);
      req.once('error', (error) => {
        reject(unreachable(request.doing, request.signal?.reason ?? error, timeoutInMs));
      });
      if (request.body === undefined) req.end();
      else
        pipeline(request.body, req).catch((error: unknown) => {
          req.destroy();
          reject(
            error instanceof Error && error.message.startsWith(request.doing)
              ? error
              : unreachable(request.doing, request.signal?.reason ?? error, timeoutInMs),
          );
        });
    });
  }

  async function failureOf(
    request: BlobRequest,
    answer: IncomingMessage,
  ): Promise<Error | undefined> {
    const status = answer.statusCode ?? 0;
    if (status !== 401 && status !== 403 && !isTransientStatus(status)) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of answer) chunks.push(chunk as Buffer);
    const text = await answerOf(new Response(Buffer.concat(chunks), { status }));
    return status === 401 || status === 403
      ? new Error(`${request.doing}: ${text}: ${registry} refused the ${signIn.kind} sign-in`)
      : new TransientError(`${request.doing}: registry unavailable: ${text}`);
  }

  return async function sendBlob(request: BlobRequest): Promise<IncomingMessage> {
    let url = new URL(request.path, endpoint);
    let answer = await blobOnce(request, url, authorization(request.scopes));
    const header = answer.headers['www-authenticate'];
    if (answer.statusCode === 401 && request.body === undefined && typeof header === 'string') {
      answer.resume();
      const found = parseChallenge(header);
      if (found !== undefined) {
        auth.forget(request.scopes);
        await auth.answer(found, request);
        answer = await blobOnce(request, url, authorization(request.scopes));
      }
    }
    // A blob GET may be sent on to storage (ACR, S3): followed, without our credentials
    // once it leaves the registry's host.
    for (let hops = 0; request.body === undefined && hops < 5; hops++) {
      const location = answer.headers.location;
      const status = answer.statusCode ?? 0;
      if (status < 300 || status >= 400 || location === undefined) break;
      answer.resume();
      url = new URL(location, url);
      const same = url.host === new URL(endpoint).host;
      answer = await blobOnce(request, url, same ? authorization(request.scopes) : undefined);
    }
    if (answer.statusCode === 401 && request.body !== undefined && auth.scheme() === 'bearer') {
      // The token of an upload expired while it ran (an ACR token lasts about 75 minutes):
      // dropped, so that the redelivery asks for a new one.
      answer.resume();
      auth.forget(request.scopes);
      throw new TransientError(`${request.doing}: the registry's token expired during the upload`);
    }
    const failure = await failureOf(request, answer);
    if (failure !== undefined) throw failure;
    return answer;
  };
}
