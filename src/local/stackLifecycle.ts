/** How the local stack reports a service that did not start, and stops what it started. */

/** A service of the stack that did not start; the message is the service's own error. */
export class LocalServiceError extends Error {
  constructor(
    readonly service: 'azurite' | 'registry' | 'host',
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'LocalServiceError';
  }
}

/** Runs and empties `stops`, last first; every one runs, then the first failure is thrown. */
export async function stopInReverse(stops: (() => Promise<void>)[]): Promise<void> {
  let failure: Error | undefined;
  for (let next = stops.pop(); next !== undefined; next = stops.pop()) {
    try {
      await next();
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error));
    }
  }
  if (failure !== undefined) throw failure;
}
