import { countByKind, type AccessEntry } from './accessLog.js';
import type { BoardResult } from './board.js';
import { boardSection } from './boardReport.js';
import type { BurstResult } from './burst.js';
import type { LatencyResult } from './latency.js';
import type { LedgerCounts } from './ledgerCounts.js';
import type { RequestCounts } from './requestCounts.js';
import { ms, summarize, table, type Summary } from './stats.js';

/** One target of issue 3, judged on this run's figures. */
export interface Verdict {
  readonly target: string;
  readonly figure: string;
  readonly met: boolean;
}

const isManifestGet = (e: AccessEntry) =>
  (e.method === 'GET' || e.method === 'HEAD') && e.kind.includes('manifest');

/** What one promotion's requests were, split the way the targets are stated. */
export interface PromotionRequests {
  readonly total: number;
  /** GET of the manifest to copy, by digest. */
  readonly sourceGets: number;
  /** GET/HEAD of a target tag before writing it (the immutable-tag existence check). */
  readonly existenceChecks: number;
  readonly puts: number;
  /** Anything else (pings, blobs, lock calls…). */
  readonly other: readonly AccessEntry[];
  readonly tags: number;
}

export function promotionRequests(
  entries: readonly AccessEntry[],
  tags: readonly string[],
): PromotionRequests {
  const mine = entries.filter((e) => e.client === 'promoter');
  const sourceGets = mine.filter((e) => isManifestGet(e) && e.kind.endsWith('(by digest)'));
  const checks = mine.filter(
    (e) => isManifestGet(e) && e.reference !== undefined && tags.includes(e.reference),
  );
  const puts = mine.filter((e) => e.method === 'PUT' && e.kind.includes('manifest'));
  const counted = new Set([...sourceGets, ...checks, ...puts]);
  return {
    total: mine.length,
    sourceGets: sourceGets.length,
    existenceChecks: checks.length,
    puts: puts.length,
    other: mine.filter((e) => !counted.has(e)),
    tags: Math.max(1, tags.length),
  };
}

function breakdownTable(columns: readonly [string, readonly AccessEntry[]][]): string {
  const counts = columns.map(([, entries]) => countByKind(entries));
  const kinds = [...new Set(counts.flatMap((c) => [...c.keys()]))].sort();
  return table([
    ['request kind', ...columns.map(([name]) => name)],
    ...kinds.map((kind) => [kind, ...counts.map((c) => c.get(kind) ?? 0)]),
    ['total', ...columns.map(([, entries]) => entries.length)],
  ]);
}

const latencyRow = (name: string, s: Summary) => [
  name,
  s.n,
  ms(s.min),
  ms(s.median),
  ms(s.p95),
  ms(s.max),
];

export interface Report {
  readonly text: string;
  readonly verdicts: readonly Verdict[];
}

export function buildReport(input: {
  readonly counts: RequestCounts;
  readonly ledger: LedgerCounts;
  readonly latency: LatencyResult;
  /** Every registry request logged during the latency phase. */
  readonly latencyRequests: readonly AccessEntry[];
  readonly latencyNotifications: { readonly webhookCalls: number; readonly pullEvents: number };
  readonly burst: BurstResult;
  readonly board: BoardResult;
  readonly troubles: readonly string[];
  readonly header: readonly string[];
}): Report {
  const { counts, latency, burst } = input;
  const out: string[] = [...input.header, ''];
  const verdicts: Verdict[] = [];

  // 1. Registry requests per promotion
  const dev = promotionRequests(counts.devWindow, counts.devTags);
  const rc = promotionRequests(counts.rcWindow, counts.rcTags);
  const devPush = counts.devWindow.filter((e) => e.client === 'skopeo');
  const devPromoter = counts.devWindow.filter((e) => e.client === 'promoter');
  const devOthers = counts.devWindow.filter(
    (e) => e.client !== 'promoter' && e.client !== 'skopeo',
  );
  const bySubtraction = counts.devWindow.length - counts.controlPush.length;
  const skopeo = counts.skopeo.length;
  out.push(
    '1. Registry requests per promotion (registry access log, between two marker requests)',
    '',
    breakdownTable([
      ['dev: promoter', devPromoter],
      ['dev: the push', devPush],
      ['control push', counts.controlPush],
      ['rc: promoter', counts.rcWindow.filter((e) => e.client === 'promoter')],
      ['skopeo retag', counts.skopeo],
    ]),
    '',
    `  dev  (push git-<sha> → dev-latest, repository ${counts.repository}):`,
    `       promoter (Azure SDK user agent) made ${dev.total}: ${dev.sourceGets} manifest GET by digest + ${dev.puts} manifest PUT for ${dev.tags} tag(s)` +
      (dev.other.length > 0
        ? ` + ${dev.other.length} other (${dev.other.map((e) => e.kind).join(', ')})`
        : ''),
    `       cross-check by subtraction: the dev window logged ${counts.devWindow.length}, a push of a non-build tag to a fresh repository ${counts.controlPush.length}: ${bySubtraction} left for the promotion` +
      (devOthers.length > 0 ? ` (${devOthers.length} from other clients)` : ''),
    `  rc   (approval → 1.2.3-rc1): promoter made ${rc.total}: ${rc.sourceGets} manifest GET by digest + ${rc.puts} manifest PUT, plus ${rc.existenceChecks} existence check (GET of the rc tag's manifest, 404)` +
      (rc.other.length > 0
        ? ` + ${rc.other.length} other (${rc.other.map((e) => e.kind).join(', ')})`
        : ''),
    '       The existence check is there by design: an immutable tag that exists is never overwritten (off ACR no lock exists; on ACR +1 lock call per tag).',
    `  skopeo copy docker://…:git-<sha> docker://…:skopeo-copy made ${skopeo}: ${[...countByKind(counts.skopeo)].map(([k, n]) => `${n} ${k}`).join(', ')}`,
    `  ratio promoter/skopeo: dev ${(dev.total / skopeo).toFixed(2)}, rc ${(rc.total / skopeo).toFixed(2)} (existence check included)`,
    '',
  );
  const perTag = (p: PromotionRequests) =>
    `${p.sourceGets / p.tags} GET + ${p.puts / p.tags} PUT per tag` +
    (p.other.length > 0 ? ` + ${p.other.length} other` : '');
  const withinOneEach = (p: PromotionRequests) =>
    p.sourceGets <= p.tags && p.puts <= p.tags && p.other.length === 0;
  verdicts.push(
    {
      target: 'dev: ≤ 1 manifest GET + 1 PUT per tag',
      figure: perTag(dev),
      met: withinOneEach(dev),
    },
    {
      target: 'rc: ≤ 1 manifest GET + 1 PUT per tag (+ existence check)',
      figure: `${perTag(rc)} + ${rc.existenceChecks / rc.tags} check`,
      met: withinOneEach(rc) && rc.existenceChecks <= rc.tags,
    },
    {
      target: 'dev: never more requests than skopeo',
      figure: `${dev.total} vs ${skopeo}`,
      met: dev.total <= skopeo,
    },
    {
      target: 'rc: never more requests than skopeo',
      figure: `${rc.total} vs ${skopeo}`,
      met: rc.total <= skopeo,
    },
  );

  // 1b. Ledger requests
  const { ledger } = input;
  const tally = (kinds: readonly string[]) => {
    const m = new Map<string, number>();
    for (const k of kinds) m.set(k, (m.get(k) ?? 0) + 1);
    return m;
  };
  const ledgerColumns: [string, Map<string, number>, number][] = [
    ['push event + dev', tally(ledger.webhookAndDev), ledger.webhookAndDev.length],
    ['redelivered event', tally(ledger.redelivery), ledger.redelivery.length],
    ['2nd push + dev', tally(ledger.secondWebhookAndDev), ledger.secondWebhookAndDev.length],
    ['rc approval', tally(ledger.rc), ledger.rc.length],
  ];
  const ledgerKinds = [...new Set(ledgerColumns.flatMap(([, m]) => [...m.keys()]))].sort();
  out.push(
    '1b. Ledger (Azurite) requests, through a counting proxy on a third host (not used for latency)',
    '',
    table([
      ['request kind', ...ledgerColumns.map(([name]) => name)],
      ...ledgerKinds.map((k) => [k, ...ledgerColumns.map(([, m]) => m.get(k) ?? 0)]),
      ['total', ...ledgerColumns.map(([, , n]) => n)],
    ]),
    '',
    `  ${ledger.beforeWebhookAnswered} of the push event's ${ledger.webhookAndDev.length} were made before the webhook answered (recording; the dev promotion starts meanwhile)`,
    '',
  );

  // 2. Latency
  const devTotal = summarize(latency.devTotal);
  const rcTotal = summarize(latency.rcTotal);
  const promotions = latency.devTotal.length + latency.rcTotal.length;
  const promoterRequests = input.latencyRequests.filter((e) => e.client === 'promoter');
  const probes = input.latencyRequests.filter((e) => e.client === 'bench').length;
  out.push(
    `2. Latency (ms), ${latency.devTotal.length} runs each over ${latency.repositories.length} repositories, runs one at a time; tags polled with HEAD every 5 ms`,
    '',
    table([
      ['measure', 'n', 'min', 'median', 'p95', 'max'],
      latencyRow('push → dev-latest (skopeo start → tag)', devTotal),
      latencyRow('  the push (skopeo copy)', summarize(latency.devPush)),
      latencyRow('  skopeo exit → dev-latest', summarize(latency.devAfterPush)),
      latencyRow('approval → rc tag (POST → tag)', rcTotal),
      latencyRow('  POST /api/approvals → 202', summarize(latency.rcPost)),
    ]),
    '',
    `  promoter's registry requests over these ${promotions} promotions: ${promoterRequests.length} (${(promoterRequests.length / Math.max(1, promotions)).toFixed(2)} per promotion: ${[...countByKind(promoterRequests)].map(([k, n]) => `${n} ${k}`).join(', ')})`,
    `  the bench's HEAD polls: ${probes}; the webhook meanwhile got ${input.latencyNotifications.webhookCalls} registry notifications, ${input.latencyNotifications.pullEvents} of them pull events (polls that found the tag)`,
    `  ratio median(skopeo exit → dev-latest) / median(approval → rc tag): ${(summarize(latency.devAfterPush).median / rcTotal.median).toFixed(2)}`,
    `  dev-latest already moved when Node saw skopeo exit: ${latency.devAfterPush.filter((v) => v <= 0).length} of ${latency.devAfterPush.length} runs`,
    latency.pollErrors.length === 0
      ? '  no tag poll failed'
      : `  ${latency.pollErrors.length} tag poll(s) failed and were retried, e.g. ${latency.pollErrors[0] ?? ''}`,
    latency.failures.length === 0
      ? '  every promotion ended promoted'
      : `  NOT promoted: ${latency.failures.join('; ')}`,
    '',
  );
  verdicts.push({
    target: 'approval → rc tag p95 < 100 ms',
    figure: `${ms(rcTotal.p95)} ms (median ${ms(rcTotal.median)})`,
    met: rcTotal.p95 < 100,
  });

  // 3. Webhook burst
  const response = summarize(burst.responseMs);
  const perSecond = burst.deliveries / (burst.wallMs / 1000);
  const statuses = [...burst.statuses]
    .map(([s, n]) => `${n}× ${s === 0 ? 'no answer' : s}`)
    .join(', ');
  const outcomes = [...burst.outcomes].map(([o, n]) => `${n} ${o}`).join(', ');
  const ok = burst.statuses.get(200) ?? 0;
  out.push(
    `3. Webhook burst: ${burst.options.events} distinct push events × ${burst.options.copies} deliveries, random order, ${burst.options.senders} concurrent keep-alive senders`,
    '   (against a host whose first stage needs an approval: only the recording is measured, nothing is enqueued)',
    '',
    table([
      ['measure', 'figure'],
      [
        `one sender: new event p50 / p95 (ms)`,
        `${ms(summarize(burst.sequential.newMs).median)} / ${ms(summarize(burst.sequential.newMs).p95)}`,
      ],
      [
        `one sender: redelivery p50 / p95 (ms)`,
        `${ms(summarize(burst.sequential.duplicateMs).median)} / ${ms(summarize(burst.sequential.duplicateMs).p95)}`,
      ],
      ['deliveries', burst.deliveries],
      ['wall time (ms)', ms(burst.wallMs)],
      ['deliveries per second', perSecond.toFixed(0)],
      ['response time p50 (ms)', ms(response.median)],
      ['response time p95 (ms)', ms(response.p95)],
      ['response time max (ms)', ms(response.max)],
      ['HTTP statuses', statuses],
      ['event outcomes', outcomes],
      ['builds listed by the API', `${burst.buildsListed} (${burst.pages} pages of ≤ 100)`],
      ["of the burst's digests", `${burst.distinctDigestsListed} of ${burst.expectedListed}`],
      ['messages enqueued', burst.enqueued],
    ]),
    ...(burst.errors.length > 0 ? ['', `  errors: ${burst.errors.join(' | ')}`] : []),
    '',
  );
  verdicts.push(
    {
      target: `burst: builds recorded = ${burst.expectedListed}`,
      figure: `${burst.buildsListed} listed, ${burst.distinctDigestsListed} of the burst's digests`,
      met:
        burst.buildsListed === burst.expectedListed &&
        burst.distinctDigestsListed === burst.expectedListed,
    },
    {
      target: 'burst: every delivery answered 200',
      figure: `${ok} of ${burst.deliveries}`,
      met: ok === burst.deliveries,
    },
  );

  // 4. Board
  const board = boardSection(input.board);
  out.push(...board.lines);
  verdicts.push(...board.verdicts);

  // Summary
  out.push(
    'Summary',
    '',
    table([
      ['figure', 'value'],
      ['dev promotion: registry requests', `${dev.total} (skopeo retag: ${skopeo})`],
      [
        'rc promotion: registry requests',
        `${rc.total} incl. ${rc.existenceChecks} existence check`,
      ],
      ['push → dev-latest median / p95 (ms)', `${ms(devTotal.median)} / ${ms(devTotal.p95)}`],
      ['approval → rc tag median / p95 (ms)', `${ms(rcTotal.median)} / ${ms(rcTotal.p95)}`],
      ['webhook deliveries per second', perSecond.toFixed(0)],
      ['webhook response p50 / p95 (ms)', `${ms(response.median)} / ${ms(response.p95)}`],
      ['builds recorded in the burst', `${burst.buildsListed} of ${burst.expectedListed}`],
      ...board.summary,
    ]),
    '',
    ...verdicts.map((v) => `target ${v.target}: ${v.met ? 'met' : 'NOT met'} (${v.figure})`),
  );
  if (input.troubles.length > 0) {
    out.push('', `The hosts logged ${input.troubles.length} warning/error line(s); the first:`);
    for (const line of input.troubles.slice(0, 5)) out.push(`  ${line.slice(0, 300)}`);
  }
  return { text: out.join('\n'), verdicts };
}
