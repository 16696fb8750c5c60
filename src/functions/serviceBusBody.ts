/**
 * The body of a Service Bus message as the trigger hands it over: a JSON body arrives parsed,
 * a body not marked as JSON as text or bytes, which are parsed here when they hold JSON. A body
 * that is not JSON is returned as it is, for the use case to reject naming why.
 */
export function serviceBusBody(message: unknown): unknown {
  const text = message instanceof Uint8Array ? new TextDecoder().decode(message) : message;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
