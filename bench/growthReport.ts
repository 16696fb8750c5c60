import { describeMix, type AzuriteProbe, type RequestMix } from './azuriteProbe.js';
import { ms, quantile, table } from './stats.js';

/* The growth section of the bench report: its figures, its options and its targets. */

/** How much history, how many runs. */
export interface GrowthOptions {
  /** Prior promotions in the repository at each step, ascending (default 0, 1000, 10000). */
  readonly sizes: readonly number[];
  /** Measured approvals (and webhook records) at each size. */
  readonly runs: number;
  /** Builds in the repository at the webhook's second measurement. */
  readonly builds: number;
}

/** What one size's runs cost in the ledger, and Azurite's share of their time. */
interface LedgerShare {
  /** Ledger requests, body bytes sent and received, per run (through the proxy). */
  readonly requests: readonly number[];
  readonly sent: readonly number[];
  readonly received: readonly number[];
  /** Per run: how long at least one ledger request was waiting on Azurite, ms. */
  readonly waitedMs: readonly number[];
  /** Per run: its requests on the grown partition's table, by kind. */
  readonly mixes: readonly RequestMix[];
  /** Azurite's own time on that partition, per kind (probed after the runs). */
  readonly azurite: AzuriteProbe;
  /** Per run: its mix × the probes' medians, ms. */
  readonly azuriteMs: readonly number[];
  /** Time to seed this size's store and load it into Azurite. */
  readonly seedMs: number;
}

/** The figures of one size. */
export interface SizeFigures extends LedgerShare {
  readonly size: number;
  /** POST /api/approvals → the promotion handled (rc tag written, outcome recorded), ms. */
  readonly approvalMs: readonly number[];
  /**
   * process.cpuUsage (user + system) from the same start until the approval is handled and the
   * stack's host has handled the registry's notification of the tag it wrote, ms.
   */
  readonly cpuMs: readonly number[];
  /** The wall time of that window, ms. */
  readonly cpuWallMs: readonly number[];
  /** This process's CPU per second while idle, just before the runs, ms/s. */
  readonly idleCpuMsPerS: number;
}

/** The webhook at one number of builds. */
export interface WebhookFigures extends LedgerShare {
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
const each = (a: readonly number[], b: readonly number[], f: (x: number, y: number) => number) =>
  a.map((x, i) => f(x, b[i] ?? Number.NaN));

/**
 * Each run as if Azurite had not grown since `base`: its own time (less its wait on Azurite)
 * plus base's median wait. The same at every size, `base` included, so p95s compare.
 */
function lessGrowth(times: readonly number[], share: LedgerShare, base: LedgerShare): number[] {
  const baseline = median(base.waitedMs);
  return each(times, share.waitedMs, (t, waited) => t - waited + baseline);
}

/** p95 less the growth of the probes' estimate since `base` (the cross-check). */
function lessProbedGrowth(times: readonly number[], share: LedgerShare, base: LedgerShare) {
  return p95(times) - Math.max(0, median(share.azuriteMs) - median(base.azuriteMs));
}

/** Azurite's probes, size by size, side by side. */
function probeTable(label: string, rows: readonly { n: number; share: LedgerShare }[]): string {
  const sizes = [...new Set(rows.flatMap((r) => [...r.share.azurite.transactionMs.keys()]))];
  sizes.sort((a, b) => a - b);
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

/** Requests, and bytes both ways, equal at every size. */
function sameCost(shares: readonly LedgerShare[]) {
  const [base] = shares;
  const bytesOf = (s: LedgerShare) => median(s.sent) + median(s.received);
  const requests = shares.every((s) => base && median(s.requests) === median(base.requests));
  const worstBytes = base ? Math.max(...shares.map((s) => bytesOf(s) / bytesOf(base))) : 1;
  const requestList = shares.map((s) => median(s.requests)).join(' / ');
  const bytesList = shares.map((s) => `${kb(bytesOf(s))} KB`).join(' / ');
  return { requests, worstBytes, requestList, bytesList };
}

const LATENCY_HEAD = [
  'p50 ms',
  'p95 ms',
  'Azurite waited p50 ms',
  'own p50 ms',
  'p95 less growth ms',
  'by probes ms',
];

/** The latency cells of one size: raw, Azurite's measured wait, and both corrections' inputs. */
function latencyCells(times: readonly number[], share: LedgerShare, base: LedgerShare) {
  return [
    ms(median(times)),
    ms(p95(times)),
    ms(median(share.waitedMs)),
    ms(median(each(times, share.waitedMs, (t, w) => t - w))),
    ms(p95(lessGrowth(times, share, base))),
    ms(median(share.azuriteMs)),
  ];
}

const costCells = (s: LedgerShare) => [
  String(median(s.requests)),
  kb(median(s.received)),
  kb(median(s.sent)),
];

/** The target line of a latency: p95 less growth at the last size within 1.5× of base's p95. */
function latencyTarget(
  what: string,
  times: readonly number[],
  share: LedgerShare,
  baseTimes: readonly number[],
  base: LedgerShare,
) {
  const adjusted = p95(lessGrowth(times, share, base));
  const ratio = adjusted / p95(lessGrowth(baseTimes, base, base));
  const probed = lessProbedGrowth(times, share, base) / p95(baseTimes);
  return `target ${what}, less Azurite's growth: ${verdict(ratio <= 1.5)} (raw p95 ${ms(p95(times))} ms, less growth ${ms(adjusted)} ms vs ${ms(p95(lessGrowth(baseTimes, base, base)))} ms at the first size: ${ratio.toFixed(2)}×; by the probes instead: ${probed.toFixed(2)}×)`;
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
    'Each size is an Azurite of its own holding the history as handled approvals leave it (the',
    "ledgers' own row plans, loaded by bench/azuriteStore.ts); the host reaches it through a proxy",
    'that counts requests and bytes and notes when each request waits on Azurite. Azurite slows',
    'down as a partition grows (LokiJS scans the partition for each row a request touches); Azure',
    "Table Storage does not. So: 'Azurite waited' is how long, in each run, at least one ledger",
    "request was outstanding; 'own' the rest of the run (promoter, and the HTTP between);",
    "'p95 less growth' the p95 over runs of each run's own time plus the first size's median wait",
    "(at every size, the first included: as if Azurite had not grown). Beside them, Azurite's own",
    'time per kind of request, probed on the same partition after the runs (second table), and',
    "'by probes' the sum of an approval's requests' kinds: a cross-check of the measured wait.",
    'CPU: process.cpuUsage of this process (the hosts run in it; Azurite and the registry do not)',
    'until the approval is handled and the stack host has handled the registry notifications it',
    "caused; 'less idle' takes off this process's idle CPU rate, measured just before, over that",
    "window's wall time. Medians per approval unless said otherwise.",
    '',
    table([
      [
        'prior promotions',
        ...LATENCY_HEAD,
        'ledger requests',
        'KB read',
        'KB written',
        'CPU ms',
        'CPU less idle ms',
        'loaded in s',
      ],
      ...result.sizes.map((s) => [
        thousands(s.size),
        ...(base ? latencyCells(s.approvalMs, s, base) : []),
        ...costCells(s),
        ms(median(s.cpuMs)),
        ms(median(cpuLessIdle(s))),
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
    'approval: POST /api/approvals until the promotion is handled (rc tag written, outcome recorded).',
    '',
    table([
      [
        'builds in the repository',
        ...LATENCY_HEAD,
        'ledger requests',
        'KB read',
        'KB written',
        'loaded in s',
      ],
      ...result.webhook.map((w) => [
        thousands(w.builds),
        ...(hook0 ? latencyCells(w.recordMs, w, hook0) : []),
        ...costCells(w),
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
    'record: one new push event to a record-only host until its 200.',
    '',
  ];
  if (base && last) {
    const cost = sameCost(result.sizes);
    const cpuOf = (s: SizeFigures) => median(cpuLessIdle(s));
    const worstCpu = Math.max(...result.sizes.map((s) => cpuOf(s) / cpuOf(base)));
    const worstRawCpu = Math.max(...result.sizes.map((s) => median(s.cpuMs) / median(base.cpuMs)));
    lines.push(
      `target ledger requests per approval equal at every size: ${verdict(cost.requests)} (${cost.requestList})`,
      `target ledger bytes per approval equal at every size (within 5 %): ${verdict(cost.worstBytes <= 1.05)} (${cost.bytesList}; ${cost.worstBytes.toFixed(2)}× size 0 at worst)`,
      `target CPU per approval (less idle) within 1.2× of size 0: ${verdict(worstCpu <= 1.2)} (${result.sizes.map((s) => ms(cpuOf(s))).join(' / ')} ms; ${worstCpu.toFixed(2)}× at worst; raw ${worstRawCpu.toFixed(2)}×)`,
      latencyTarget(
        `approval p95 at ${thousands(last.size)} within 1.5× of p95 at ${thousands(base.size)}`,
        last.approvalMs,
        last,
        base.approvalMs,
        base,
      ),
    );
  }
  if (hook0 && hookN && hookN !== hook0) {
    const cost = sameCost(result.webhook);
    lines.push(
      `target webhook requests and bytes per record equal at ${thousands(hook0.builds)} and ${thousands(hookN.builds)} builds: ${verdict(cost.requests && cost.worstBytes <= 1.05)} (${cost.requestList} requests; ${cost.bytesList})`,
      latencyTarget(
        `webhook record p95 at ${thousands(hookN.builds)} builds within 1.5× of ${thousands(hook0.builds)}`,
        hookN.recordMs,
        hookN,
        hook0.recordMs,
        hook0,
      ),
    );
  }
  if (result.failures.length > 0)
    lines.push('problems:', ...result.failures.slice(0, 20).map((f) => `  ${f}`));
  return lines.join('\n');
}

/** Each run's CPU less the idle rate over its wall time. */
function cpuLessIdle(s: SizeFigures): number[] {
  return each(s.cpuMs, s.cpuWallMs, (cpu, wall) => cpu - s.idleCpuMsPerS * (wall / 1000));
}

const intSetting = (name: string, fallback: number, min: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number ≥ ${min}, not "${raw ?? ''}"`);
  return value;
};

/** The growth options from BENCH_GROWTH_SIZES, _RUNS and _BUILDS. */
export function growthOptions(): GrowthOptions {
  const raw = process.env.BENCH_GROWTH_SIZES ?? '0,1000,10000';
  const sizes = raw.split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.length === 0)
    throw new Error(`BENCH_GROWTH_SIZES must be whole numbers ≥ 0, comma-separated, not "${raw}"`);
  return {
    sizes: [...sizes].sort((a, b) => a - b),
    runs: intSetting('BENCH_GROWTH_RUNS', 20, 1),
    builds: intSetting('BENCH_GROWTH_BUILDS', 10_000, 1),
  };
}
