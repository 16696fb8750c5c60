import type { Condition } from './gatePolicy.js';

/**
 * One line per condition of a gated promotion, as status, the board and chat show them:
 * `✓ check trivy succeeded at … — ci:scan (https://…)`, `✗ soaking in rc until …`, and an
 * overridden one as `⚠ … (overridden)`.
 */
export function conditionLines(conditions: readonly Condition[]): string[] {
  return conditions.map((c) => {
    const mark = c.met ? '✓' : c.overridden === true ? '⚠' : '✗';
    const by = c.reporter === undefined ? '' : ` — ${c.reporter}`;
    // A failure's link is in its detail already.
    const link = c.url === undefined || c.detail.includes(c.url) ? '' : ` (${c.url})`;
    const overridden = c.overridden === true ? ' (overridden)' : '';
    return `${mark} ${c.detail}${by}${link}${overridden}`;
  });
}
