import { ValidationError } from './errors.js';

/**
 * Refuses a change to `repository`'s promotions that carries promotions or an outcome of another
 * repository: a ValidationError naming each, so that nothing is written under the wrong
 * repository. Every PromotionLedger checks it before it writes.
 */
export function checkBelongs(
  repository: string,
  change: {
    readonly promotions: readonly { readonly repository: string }[];
    readonly outcome?: { readonly repository: string } | undefined;
  },
): void {
  const strangers = [
    ...change.promotions.map((p, i) => ({ path: `promotions.${i}.repository`, of: p.repository })),
    ...(change.outcome ? [{ path: 'outcome.repository', of: change.outcome.repository }] : []),
  ].filter((s) => s.of !== repository);
  if (strangers.length > 0)
    throw new ValidationError(
      `promotion commit to ${repository}`,
      strangers.map((s) => ({ path: s.path, message: `is ${s.of}, not ${repository}` })),
    );
}
