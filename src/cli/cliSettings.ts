import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode } from './cliError.js';

/** Where the local host listens (`npm start`). */
export const DEFAULT_URL = 'http://localhost:7071';

type Env = Readonly<Record<string, string | undefined>>;

/** A setting's value, or undefined when it is unset or blank. */
function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** The promoter HTTP API: its base URL (no trailing slash), where that came from, its key. */
export interface ApiSettings {
  readonly url: string;
  /** What set the URL, named in every error about it. */
  readonly urlSource: '--url' | 'PROMOTER_URL' | 'the default URL';
  /** PROMOTER_FUNCTION_KEY, sent as `x-functions-key` (Azure requires one on the read routes). */
  readonly functionKey: string | undefined;
}

/** `--url`, else PROMOTER_URL, else the local host. Throws a usage error when it is not a URL. */
export function apiSettings(env: Env, urlOption: string | undefined): ApiSettings {
  const fromOption = urlOption?.trim();
  const fromEnv = setting(env, 'PROMOTER_URL');
  const [raw, urlSource] =
    fromOption !== undefined && fromOption !== ''
      ? [fromOption, '--url' as const]
      : fromEnv !== undefined
        ? [fromEnv, 'PROMOTER_URL' as const]
        : [DEFAULT_URL, 'the default URL' as const];
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new CliError(ExitCode.usage, `${urlSource}: "${raw}" is not a URL (e.g. ${DEFAULT_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new CliError(ExitCode.usage, `${urlSource}: "${raw}" is not an http(s) URL`);
  return {
    url: raw.replace(/\/+$/, ''),
    urlSource,
    functionKey: setting(env, 'PROMOTER_FUNCTION_KEY'),
  };
}

/** How approvals are sent: straight to Service Bus when it is configured, else over HTTP. */
export type ApprovalTransport =
  | {
      readonly kind: 'servicebus';
      /** `<ns>.servicebus.windows.net` (or the bare name), with DefaultAzureCredential. */
      readonly namespace: string;
      readonly setting: 'PROMOTER_SERVICEBUS_NAMESPACE';
    }
  | {
      readonly kind: 'servicebus';
      readonly connectionString: string;
      readonly setting: 'PROMOTER_SERVICEBUS_CONNECTION_STRING';
    }
  | { readonly kind: 'http' };

/**
 * PROMOTER_SERVICEBUS_NAMESPACE (identity: preferred when both are set), else
 * PROMOTER_SERVICEBUS_CONNECTION_STRING, else HTTP to the promoter host.
 */
export function approvalTransport(env: Env): ApprovalTransport {
  const namespace = setting(env, 'PROMOTER_SERVICEBUS_NAMESPACE');
  if (namespace !== undefined)
    return { kind: 'servicebus', namespace, setting: 'PROMOTER_SERVICEBUS_NAMESPACE' };
  const connectionString = setting(env, 'PROMOTER_SERVICEBUS_CONNECTION_STRING');
  if (connectionString !== undefined)
    return {
      kind: 'servicebus',
      connectionString,
      setting: 'PROMOTER_SERVICEBUS_CONNECTION_STRING',
    };
  return { kind: 'http' };
}

/** The secret `POST /api/approvals` requests are signed with, and where it was found. */
export interface ApprovalsSecret {
  readonly secret: string;
  /** `PROMOTER_APPROVALS_HMAC_SECRET`, or the file it was read from. */
  readonly source: string;
}

/** The file `npm start` keeps its approvals secret in, inside its state directory. */
const APPROVALS_SECRET_FILE = 'approvals-hmac-secret';

/** Where `npm start` keeps its state: PROMOTER_LOCAL_STATE_DIR, else `./.promoter`. */
export function localStateDir(env: Env, cwd: string): string {
  return path.resolve(cwd, setting(env, 'PROMOTER_LOCAL_STATE_DIR') ?? '.promoter');
}

/**
 * PROMOTER_APPROVALS_HMAC_SECRET, else the secret `npm start` saved in
 * `<state dir>/approvals-hmac-secret`. Throws a transport error naming both when there is
 * neither.
 */
export async function readApprovalsSecret(env: Env, cwd: string): Promise<ApprovalsSecret> {
  const fromEnv = setting(env, 'PROMOTER_APPROVALS_HMAC_SECRET');
  if (fromEnv !== undefined) return { secret: fromEnv, source: 'PROMOTER_APPROVALS_HMAC_SECRET' };
  const file = path.join(localStateDir(env, cwd), APPROVALS_SECRET_FILE);
  let saved: string;
  try {
    saved = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      throw new CliError(
        ExitCode.transport,
        `cannot read the approvals secret from ${file}: ${String(error)}`,
        { cause: error },
      );
    saved = '';
  }
  if (saved === '')
    throw new CliError(ExitCode.transport, [
      `no approvals secret: PROMOTER_APPROVALS_HMAC_SECRET is not set and ${file} does not exist`,
      "set PROMOTER_APPROVALS_HMAC_SECRET to the host's approvals secret, or run this where `npm start` runs (or set PROMOTER_LOCAL_STATE_DIR to its state directory)",
      'to send straight to Service Bus instead, set PROMOTER_SERVICEBUS_NAMESPACE or PROMOTER_SERVICEBUS_CONNECTION_STRING',
    ]);
  return { secret: saved, source: file };
}
