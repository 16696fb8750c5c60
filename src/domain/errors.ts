/** One problem with an input: where it is (a dotted path such as `target.digest`) and what is wrong. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/**
 * Bad input: the caller sent something that can never succeed as sent.
 * Terminal: answered (HTTP 4xx, or a completed message), never retried.
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    /** What was being validated, e.g. `webhook body` or `promoter.pipeline.json`. */
    readonly subject: string,
    readonly issues: readonly Issue[],
  ) {
    super(
      `${subject}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    );
  }
}

/**
 * A dependency (ledger, registry, bus) failed in a way that may succeed later: throttling,
 * 5xx, timeout, connection refused. Thrown so that the platform retries.
 */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** Something named does not exist (a manifest in the registry, a build in the ledger). Terminal. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
