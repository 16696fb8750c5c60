import { pathToFileURL } from 'node:url';

/**
 * azd's postdeploy hook (azure.yaml): waits until the deployed Functions host answers, with
 * retries, and says what to verify next. It runs no azd command (nested azd commands in hooks
 * are reported to hang, Azure/azure-dev issue 3397) and reads no key: with Event Grid there is
 * no webhook key to fetch, and the ACR webhook, when wanted, is an explicit
 * `azd env set PROMOTER_REGISTRY_WEBHOOK_ENABLED true` + `azd provision` (docs/deployment.md).
 *
 * The host is up once `GET /api/health` without a function key is refused with 401: the host
 * runs and has loaded the function table. 404 (functions not indexed yet), 5xx and connection
 * errors are retried with growing delays; a Flex Consumption app may take a minute or two after
 * its first deployment.
 */

export interface WaitOptions {
  /** Attempts before giving up; 12 by default (about 5 minutes with the default delays). */
  readonly attempts?: number;
  /** First delay between attempts, doubled after each failure up to `maxDelayMs`. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

/** What `waitForHost` found. */
export type HostState =
  | { readonly kind: 'up'; readonly status: number; readonly attempts: number }
  | { readonly kind: 'down'; readonly last: string; readonly attempts: number };

/** Polls `${appUrl}/api/health` until the host answers 401 or 200, or the attempts run out. */
export async function waitForHost(appUrl: string, options: WaitOptions = {}): Promise<HostState> {
  const attempts = options.attempts ?? 12;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const get = options.fetch ?? fetch;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = options.log ?? (() => undefined);
  const url = `${appUrl.replace(/\/+$/, '')}/api/health`;
  let delay = options.initialDelayMs ?? 2_000;
  let last = 'no attempt made';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await get(url, { signal: AbortSignal.timeout(30_000) });
      await response.body?.cancel();
      if (response.status === 401 || response.status === 200)
        return { kind: 'up', status: response.status, attempts: attempt };
      last = `HTTP ${response.status}${response.status === 404 ? ' (functions not loaded yet)' : ''}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (attempt < attempts) {
      log(`postdeploy: ${url}: ${last}; retrying in ${Math.round(delay / 1000)} s`);
      await sleep(delay);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
  return { kind: 'down', last, attempts };
}

async function main(): Promise<number> {
  const appUrl = process.env.PROMOTER_FUNCTION_APP_URL;
  if (!appUrl) {
    console.error(
      'postdeploy: PROMOTER_FUNCTION_APP_URL is not set (an output of infra/main.bicep; azd passes outputs to hooks)',
    );
    return 1;
  }
  const state = await waitForHost(appUrl, {
    log: (line) => {
      console.log(line);
    },
  });
  if (state.kind === 'down') {
    console.error(
      `postdeploy: the deployment finished, but ${appUrl} did not answer after ${state.attempts} attempts (${state.last}). Check the app's log stream and Application Insights, then docs/deployment.md, "First deployment: what to verify".`,
    );
    return 1;
  }
  console.log(
    `postdeploy: ${appUrl} is up. Next: docs/deployment.md, "First deployment: what to verify" (GET /api/health?full=true, a push, the board).`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await main();
