import type { HttpRequest } from '@azure/functions';

/** The body as text, or `too-large` once more than `maxBytes` arrive (reading stops there). */
export async function readLimitedBody(
  request: HttpRequest,
  maxBytes: number,
): Promise<{ kind: 'ok'; text: string } | { kind: 'too-large' }> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return { kind: 'too-large' };
  const stream = request.body;
  if (!stream) return { kind: 'ok', text: '' };
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return { kind: 'too-large' };
    }
    chunks.push(value);
  }
  return { kind: 'ok', text: Buffer.concat(chunks).toString('utf8') };
}
