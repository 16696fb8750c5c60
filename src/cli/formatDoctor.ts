const MARK = { ok: '✓', failed: '✗', skipped: '–' } as const;

/**
 * A check as the doctor shows it: a `CheckReport` of `diagnose` (`--here`), or one read from
 * the host's `GET /api/health` (whose names may include checks this CLI does not know).
 */
export type CheckView = {
  readonly name: string;
  readonly tried: string;
  readonly as: string;
  /** A declared registry's checks name it (`stage registry …`). */
  readonly registry?: string | undefined;
} & (
  | { readonly status: 'ok'; readonly detail: string }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'failed'; readonly cause: string; readonly fix: readonly string[] }
);

/** The first check of each service (each declared registry apart), for the "checked as" header. */
function identities(checks: readonly CheckView[]): string[] {
  const seen = new Map<string, string>();
  for (const check of checks) {
    const name = check.name.replace(
      / (pull|push|tag lock|delete|send|receive|read|write|import)$/,
      '',
    );
    const service = check.registry === undefined ? name : `${name} ${check.registry}`;
    if (!seen.has(service) && check.as !== '-') seen.set(service, check.as);
  }
  return [...seen].map(([service, as]) => `  ${service}: ${as}`);
}

/** The lines of one check: a mark and the outcome, then, for a failure, cause and fix. */
function checkLines(check: CheckView, width: number): string[] {
  const head = `${MARK[check.status]} ${check.name.padEnd(width)}  `;
  switch (check.status) {
    case 'ok':
      return [`${head}${check.detail}`];
    case 'skipped':
      return [`${head}skipped: ${check.reason}`];
    case 'failed': {
      const pad = ' '.repeat(4);
      const [firstFix, ...moreFixes] = check.fix;
      return [
        `${head}failed: ${check.tried}`,
        `${pad}as:    ${check.as}`,
        `${pad}cause: ${check.cause}`,
        ...(firstFix === undefined ? [] : [`${pad}fix:   ${firstFix}`]),
        ...moreFixes.map((line) => `${pad}       ${line}`),
      ];
    }
  }
}

/**
 * The doctor's report for a person: `heading` (who checked), who each service was checked as,
 * one line per check (✓ passed, ✗ failed, – skipped) with a failure's cause and fix indented
 * below, and a count.
 */
export function formatDoctor(
  report: { readonly checks: readonly CheckView[] },
  heading = 'checked as:',
): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const count = (status: CheckView['status']) =>
    report.checks.filter((c) => c.status === status).length;
  const failed = count('failed');
  return [
    heading,
    ...identities(report.checks),
    '',
    ...report.checks.flatMap((c) => checkLines(c, width)),
    '',
    `${failed === 0 ? 'all good' : `${failed} failed`}: ${count('ok')} passed, ${failed} failed, ${count('skipped')} skipped`,
  ].join('\n');
}
