import functions, { type HttpResponseInit } from '@azure/functions';
import type { IncomingMessage, ServerResponse } from 'node:http';

const { HttpRequest, HttpResponse } = functions;

/** Reads a request body, or undefined once it exceeds `max` bytes. */
export function readCapped(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > max) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(total > max ? undefined : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/** The `@azure/functions` request the Functions host would build for this Node request. */
export function toHttpRequest(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  params: Record<string, string>,
): InstanceType<typeof HttpRequest> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return new HttpRequest({
    method: (req.method ?? 'GET').toUpperCase(),
    url: url.toString(),
    headers,
    params,
    query: Object.fromEntries(url.searchParams),
    ...(body.length > 0 ? { body: { bytes: body } } : {}),
  });
}

/** Writes a handler's answer (an init object or an HttpResponse) to the Node response. */
export async function send(
  res: ServerResponse,
  answer: HttpResponseInit | InstanceType<typeof HttpResponse>,
): Promise<number> {
  const response = answer instanceof HttpResponse ? answer : new HttpResponse(answer);
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers).end(body);
  return response.status;
}
