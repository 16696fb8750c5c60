import { describeMix, type AzuriteProbe, type RequestMix } from './azuriteProbe.js';
import { ms, quantile, table } from './stats.js';

/* The growth section of the bench report: its figures, its options and its targets. */

/** How much history, how many runs. */
export interface GrowthOptions {
  /** Prior promotions in the repository at each step, ascending (default 0, 1000, 10000). */
  readonly sizes: readonly number[];
  /** Timed approvals (and webhook calls) at each size. */
  readonly runs: number;
  /** Approvals through the counting proxy at each size (requests, bytes, Azurite's share). */
  readonly countedRuns: number;
  /** Builds in the repository at the webhook's second measurement. */
  readonly builds: number;
}

/** What Azurite's probes say of one operation's ledger requests. */
interface AzuriteShare {
  /** The operation's requests on the grown partition's table, per counted run. */
  readonly mixes: readonly RequestMix[];
  /** Azurite's own time on that partition, per kind. */
  readonly azurite: AzuriteProbe;
  /** Azurite's time for each counted run's requests (its mix × the probes), ms. */
  readonly azuriteMs: readonly number[];
  /** Time to seed this size's store and load it into Azurite. */
  readonly seedMs: number;
  /** Ledger requests, body bytes sent and received, per counted run. */
  readonly requests: readonly number[];
  readonly sent: readonly number[];
  readonly received: readonly number[];
}

/** The figures of one size. */
export interface SizeFigures extends AzuriteShare {
  readonly size: number;
  /** POST /api/approvals → the promotion handled (rc tag written, outcome recorded), ms. */
  readonly approvalMs: readonly number[];
  /** process.cpuUsage (user + system) over the same window, ms. */
  readonly cpuMs: readonly number[];
}

/** The webhook at one number of builds. */
export interface WebhookFigures extends AzuriteShare {
  readonly builds: number;
  readonly recordMs: readonly number[];
}

export interface GrowthResult {
  readonly repository: string;
  readonly sizes: readonly SizeFigures[];
  readonly webhook: readonly WebhookFigures[];
  readonly failures: readonly string[];
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const median = (values: readonly number[]) => quantile(values, 0.5);
const p95 = (values: readonly number[]) => quantile(values, 0.95);
const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
const thousands = (n: number) => n.toLocaleString('en-US');

/** p95 less Azurite's growth since the first size: the figure the latency target judges. */
function corrected(times: readonly number[], share: AzuriteShare, base: AzuriteShare): number {
  return p95(times) - Math.max(0, median(share.azuriteMs) - median(base.azuriteMs));
}

/** Azurite's probes, size by size, side by side. */
function probeTable(label: string, rows: readonly { n: number; share: AzuriteShare }[]): string {
  const sizes = [...new Set(rows.flatMap((r) => [...r.share.azurite.transactionMs.keys()]))].sort(
    (a, b) => a - b,
  );
  return table([
    [
      label,
      'rows in partition',
      'point read ms',
      'range query ms',
      ...sizes.map((n) => `tx of ${n} ms`),
    ],
    ...rows.map(({ n, share: { azurite } }) => [
      thousands(n),
      thousands(azurite.rows),
      ms(azurite.pointReadMs),
      ms(azurite.rangeQueryMs),
      ...sizes.map((s) => ms(azurite.transactionMs.get(s) ?? Number.NaN)),
    ]),
  ]);
}

/** The sums checked by the targets: requests, and bytes both ways, equal at every size. */
function sameCost(shares: readonly AzuriteShare[]) {
  const [base] = shares;
  const bytesOf = (s: AzuriteShare) => median(s.sent) + median(s.received);
  const requests = shares.every((s) => base && median(s.requests) === median(base.requests));
  const worstBytes = base ? Math.max(...shares.map((s) => bytesOf(s) / bytesOf(base))) : 1;
  return {
    requests,
    worstBytes,
    requestList: shares.map((s) => median(s.requests)).join(' / '),
    bytesList: shares.map((s) => `${kb(bytesOf(s))} KB`).join(' / '),
  };
}

/** The growth section of the report, with its targets. */
export function formatGrowth(result: GrowthResult): string {
  const [base] = result.sizes;
  const last = result.sizes.at(-1);
  const [hook0] = result.webhook;
  const hookN = result.webhook.at(-1);
  const lines = [
    `7. Growth: one repository (${result.repository}) at ${result.sizes.map((s) => thousands(s.size)).join(', ')} prior promotions`,
    '',
    'Method: each size is a new Azurite holding the history as handled approvals leave it (the',
    "ledger's own row plans, loaded by bench/azuriteStore.ts). Azurite slows down as a partition",
    'grows (LokiJS scans the partition for every row a request touches); Azure Table Storage does',
    "not. So Azurite's own time for each kind of ledger request is timed on the same partition at",
    "each size (second table), an approval's Azurite time is the sum over its ledger requests on",
    'the promotions table (counted through a proxy) of its kind\'s median, and "p95 less growth"',
    'is the raw p95 less the growth of that sum since the first size. Raw figures are printed too.',
    '',
    table([
      [
        'prior promotions',
        'approval → tag p50 ms',
        'p95 ms',
        'Azurite ms',
        'p95 less growth ms',
        'ledger requests',
        'KB read',
        'KB written',
        'CPU ms',
        'loaded in s',
      ],
      ...result.sizes.map((s) => [
        thousands(s.size),
        ms(median(s.approvalMs)),
        ms(p95(s.approvalMs)),
        ms(median(s.azuriteMs)),
        base ? ms(corrected(s.approvalMs, s, base)) : '–',
        String(median(s.requests)),
        kb(median(s.received)),
        kb(median(s.sent)),
        ms(median(s.cpuMs)),
        (s.seedMs / 1000).toFixed(1),
      ]),
    ]),
    '',
    probeTable(
      "Azurite's own, prior promotions",
      result.sizes.map((s) => ({ n: s.size, share: s })),
    ),
    '',
    `an approval's ledger requests on the promotions table: ${base?.mixes[0] ? describeMix(base.mixes[0]) : '–'}`,
    'approval → tag: POST /api/approvals until the promotion is handled (rc tag written, outcome',
    'recorded); ledger requests and bytes (bodies) per approval through the counting host; CPU:',
    'process.cpuUsage (user + system) of this process, which runs the hosts; all per approval, medians.',
    '',
    table([
      [
        'builds in the repository',
        'record p50 ms',
        'p95 ms',
        'Azurite ms',
        'p95 less growth ms',
        'ledger requests',
        'KB read',
        'KB written',
        'loaded in s',
      ],
      ...result.webhook.map((w) => [
        thousands(w.builds),
        ms(median(w.recordMs)),
        ms(p95(w.recordMs)),
        ms(median(w.azuriteMs)),
        hook0 ? ms(corrected(w.recordMs, w, hook0)) : '–',
        String(median(w.requests)),
        kb(median(w.received)),
        kb(median(w.sent)),
        (w.seedMs / 1000).toFixed(1),
      ]),
    ]),
    '',
    probeTable(
      "Azurite's own, builds",
      result.webhook.map((w) => ({ n: w.builds, share: w })),
    ),
    '',
    `a record's ledger requests on the builds table: ${hook0?.mixes[0] ? describeMix(hook0.mixes[0]) : '–'}`,
    'record: one new push event to a record-only host (its ledger behind the counting proxy) until its 200.',
    '',
  ];
  if (base && last) {
    const cost = sameCost(result.sizes);
    const worstCpu = Math.max(...result.sizes.map((s) => median(s.cpuMs) / median(base.cpuMs)));
    const adjusted = corrected(last.approvalMs, last, base);
    const ratio = adjusted / p95(base.approvalMs);
    lines.push(
      `target ledger requests per approval equal at every size: ${verdict(cost.requests)} (${cost.requestList})`,
      `target ledger bytes per approval equal at every size (within 5 %): ${verdict(cost.worstBytes <= 1.05)} (${cost.bytesList}; ${cost.worstBytes.toFixed(2)}× size 0 at worst)`,
      `target CPU per approval within 1.2× of size 0: ${verdict(worstCpu <= 1.2)} (${result.sizes.map((s) => ms(median(s.cpuMs))).join(' / ')} ms; ${worstCpu.toFixed(2)}× at worst)`,
      `target approval p95 at ${thousands(last.size)} within 1.5× of p95 at ${thousands(base.size)}, less Azurite's growth: ${verdict(ratio <= 1.5)} (raw ${ms(p95(last.approvalMs))} ms, less ${ms(p95(last.approvalMs) - adjusted)} ms = ${ms(adjusted)} ms vs ${ms(p95(base.approvalMs))} ms: ${ratio.toFixed(2)}×)`,
    );
  }
  if (hook0 && hookN && hookN !== hook0) {
    const cost = sameCost(result.webhook);
    const adjusted = corrected(hookN.recordMs, hookN, hook0);
    const ratio = adjusted / p95(hook0.recordMs);
    lines.push(
      `target webhook requests and bytes per record equal at ${thousands(hook0.builds)} and ${thousands(hookN.builds)} builds: ${verdict(cost.requests && cost.worstBytes <= 1.05)} (${cost.requestList} requests; ${cost.bytesList})`,
      `target webhook record p95 at ${thousands(hookN.builds)} builds within 1.5× of ${thousands(hook0.builds)}, less Azurite's growth: ${verdict(ratio <= 1.5)} (raw ${ms(p95(hookN.recordMs))} ms, less ${ms(p95(hookN.recordMs) - adjusted)} ms = ${ms(adjusted)} ms vs ${ms(p95(hook0.recordMs))} ms: ${ratio.toFixed(2)}×)`,
    );
  }
  if (result.failures.length > 0)
    lines.push('problems:', ...result.failures.slice(0, 20).map((f) => `  ${f}`));
  return lines.join('\n');
}

const intSetting = (name: string, fallback: number, min: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number ≥ ${min}, not "${raw ?? ''}"`);
  return value;
};

/** The growth options from BENCH_GROWTH_SIZES, _RUNS, _COUNTED_RUNS and _BUILDS. */
export function growthOptions(): GrowthOptions {
  const raw = process.env.BENCH_GROWTH_SIZES ?? '0,1000,10000';
  const sizes = raw.split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.length === 0)
    throw new Error(`BENCH_GROWTH_SIZES must be whole numbers ≥ 0, comma-separated, not "${raw}"`);
  return {
    sizes: [...sizes].sort((a, b) => a - b),
    runs: intSetting('BENCH_GROWTH_RUNS', 20, 1),
    countedRuns: intSetting('BENCH_GROWTH_COUNTED_RUNS', 3, 1),
    builds: intSetting('BENCH_GROWTH_BUILDS', 10_000, 1),
  };
}
