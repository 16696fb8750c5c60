import type { z } from 'zod';
import type { PromotionMessage } from '../domain/promotionMessage.js';
import { signPromoterRequest } from '../domain/promoterSignature.js';
import {
  approvalAccepted,
  historyAnswer,
  messageOutcomeAnswer,
  statusAnswer,
  type OutcomeAnswer,
  type HistoryAnswer,
  type StatusAnswer,
} from './apiAnswers.js';
import { CliError, ExitCode } from './cliError.js';
import type { ApiSettings, ApprovalsSecret } from './cliSettings.js';
import { healthAnswer, type HealthAnswer } from './healthAnswer.js';
import {
  hostAnswer,
  isReplay,
  problemDetail,
  problemTitle,
  requestHost,
  type HostRequestOptions,
  type HostResponse,
} from './hostRequest.js';
import { reconcileAnswer, type ReconcileAnswer } from './reconcileAnswer.js';
import { retentionAnswer, type RetentionAnswer } from './retentionAnswer.js';

/**
 * How long a retention or reconcile run may take: Azure's front end cuts an HTTP request off at
 * 230 s.
 */
const RUN_TIMEOUT_MS = 230_000;

/** How much longer than its `wait` an outcome request may take before the CLI gives up on it. */
const OUTCOME_ANSWER_MARGIN_MS = 15_000;

/** How long the host's doctor checks may take (signing in, Service Bus links, the registry). */
const HEALTH_TIMEOUT_MS = 120_000;

/** A parsed answer together with the JSON it came from (`--json` prints the latter). */
export interface Answer<T> {
  readonly raw: unknown;
  readonly answer: T;
}

/**
 * promoter's HTTP API (the local host, or the Function App in Azure). Every failure is thrown
 * as a CliError that says what to check: a 400 is bad input (exit 2, with the server's
 * field errors); anything else is a transport failure (exit 1).
 */
export class PromoterApi {
  constructor(readonly settings: ApiSettings) {}

  /**
   * `POST /api/approvals`: queues the message (an approval, a rollback or an unpin); resolves
   * once the host answered 202. Each attempt is signed anew (`signPromoterRequest` over the
   * exact body sent). The host accepts a signature once, so the same message sent twice in
   * one second is refused as a replay: then this waits for the next second and sends it once
   * more, signed with the new time.
   */
  async postApproval(message: PromotionMessage, secret: ApprovalsSecret): Promise<void> {
    const path = '/api/approvals';
    const body = JSON.stringify(message);
    const post = (now: Date) =>
      this.request('POST', path, {
        headers: signPromoterRequest(body, secret.secret, now),
        body,
      });
    let signedAt = new Date();
    let response = await post(signedAt);
    if (response.status === 401 && isReplay(response)) {
      await untilAfterSecondOf(signedAt);
      signedAt = new Date();
      response = await post(signedAt);
      if (response.status === 401 && isReplay(response))
        throw new CliError(ExitCode.transport, [
          `${this.settings.url} refused the approval as a replay twice, though it was signed anew (401${problemTitle(response)}${problemDetail(response)})`,
          'is another client sending the same approval at the same time? Send it again: each attempt is signed with the current time',
        ]);
    }
    if (response.status === 401 || response.status === 403)
      throw new CliError(ExitCode.transport, [
        `${this.settings.url} refused the approvals secret from ${secret.source} (${response.status}${problemTitle(response)}${problemDetail(response)})`,
        "set PROMOTER_APPROVALS_HMAC_SECRET to the host's approvals secret (its PROMOTER_APPROVALS_HMAC_SECRET; `npm start` prints it)",
      ]);
    this.parse('POST', path, response, approvalAccepted);
  }

  /** `GET /api/repositories/{repository}/status`. */
  async status(repository: string): Promise<Answer<StatusAnswer>> {
    const path = `/api/repositories/${repository}/status`;
    const response = await this.request('GET', path, {});
    return { raw: response.json, answer: this.parse('GET', path, response, statusAnswer) };
  }

  /** `GET /api/repositories/{repository}/history`: newest first, a page at a time. */
  async history(
    repository: string,
    page: { readonly limit?: number | undefined; readonly cursor?: string | undefined },
  ): Promise<Answer<HistoryAnswer>> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.cursor !== undefined) query.set('cursor', page.cursor);
    const search = query.size > 0 ? `?${query.toString()}` : '';
    const path = `/api/repositories/${repository}/history${search}`;
    const response = await this.request('GET', path, {});
    return { raw: response.json, answer: this.parse('GET', path, response, historyAnswer) };
  }

  /**
   * `GET /api/repositories/{repository}/outcomes/{messageId}?wait=…`: the message's outcome,
   * or undefined when none is recorded yet. The host holds the answer up to `waitMs` (it caps
   * a wait at 60 s) until the outcome is recorded.
   */
  async outcome(
    repository: string,
    messageId: string,
    waitMs: number,
  ): Promise<OutcomeAnswer | undefined> {
    const wait = Math.max(0, Math.round(waitMs));
    const path = `/api/repositories/${repository}/outcomes/${encodeURIComponent(messageId)}?wait=${wait}ms`;
    const response = await this.request('GET', path, {
      timeoutMs: wait + OUTCOME_ANSWER_MARGIN_MS,
    });
    return this.parse('GET', path, response, messageOutcomeAnswer).event ?? undefined;
  }

  /**
   * `POST /api/retention?dryRun=…[&olderThan=…][&repository=…]`: runs retention now (a dry run
   * deletes nothing) and answers its report.
   */
  async retention(options: {
    readonly dryRun: boolean;
    /** A duration (`30d`, `10m`) in place of the host's PROMOTER_RETENTION_DAYS. */
    readonly olderThan?: string | undefined;
    readonly repository?: string | undefined;
  }): Promise<Answer<RetentionAnswer>> {
    const query = new URLSearchParams({ dryRun: String(options.dryRun) });
    if (options.olderThan !== undefined) query.set('olderThan', options.olderThan);
    if (options.repository !== undefined) query.set('repository', options.repository);
    const path = `/api/retention?${query.toString()}`;
    const response = await this.request('POST', path, { timeoutMs: RUN_TIMEOUT_MS });
    return { raw: response.json, answer: this.parse('POST', path, response, retentionAnswer) };
  }

  /**
   * `POST /api/reconcile?dryRun=…[&repository=…]`: compares the registry with the ledger now
   * (a dry run changes nothing) and answers its report.
   */
  async reconcile(options: {
    readonly dryRun: boolean;
    readonly repository?: string | undefined;
  }): Promise<Answer<ReconcileAnswer>> {
    const query = new URLSearchParams({ dryRun: String(options.dryRun) });
    if (options.repository !== undefined) query.set('repository', options.repository);
    const path = `/api/reconcile?${query.toString()}`;
    const response = await this.request('POST', path, { timeoutMs: RUN_TIMEOUT_MS });
    return { raw: response.json, answer: this.parse('POST', path, response, reconcileAnswer) };
  }

  /**
   * `GET /api/health[?full=true]`: the host's doctor report, checked with the app's own
   * identity. Both 200 (healthy) and 503 (a check failed) carry a report; any other answer,
   * or a 503 without one, is thrown as usual. `unreachable` replaces the advice given when the
   * host cannot be reached.
   */
  async health(options: {
    readonly full: boolean;
    readonly unreachable?: readonly string[] | undefined;
  }): Promise<Answer<HealthAnswer>> {
    const path = options.full ? '/api/health?full=true' : '/api/health';
    const response = await this.request('GET', path, {
      timeoutMs: HEALTH_TIMEOUT_MS,
      unreachable: options.unreachable,
    });
    if (response.status === 503) {
      const report = healthAnswer.safeParse(response.json);
      if (report.success) return { raw: response.json, answer: report.data };
    }
    return { raw: response.json, answer: this.parse('GET', path, response, healthAnswer) };
  }

  private request(
    method: 'GET' | 'POST',
    path: string,
    options: HostRequestOptions,
  ): Promise<HostResponse> {
    return requestHost(this.settings, method, path, options);
  }

  private parse<S extends z.ZodType>(
    method: string,
    path: string,
    response: HostResponse,
    schema: S,
  ): z.output<S> {
    return hostAnswer(this.settings, method, path, response, schema);
  }
}

/** Resolves once the clock is past the whole second `signedAt` falls in. */
async function untilAfterSecondOf(signedAt: Date): Promise<void> {
  const next = (Math.floor(signedAt.getTime() / 1000) + 1) * 1000;
  // A timer may fire a millisecond early: wait again until the second has really turned.
  while (Date.now() < next)
    await new Promise((resolve) => {
      setTimeout(resolve, next - Date.now());
    });
}
