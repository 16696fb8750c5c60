import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A secret in use and where it came from. */
export interface LocalSecret {
  secret: string;
  /** `env` when its variable is set, else the file it was read from or saved to. */
  source: 'env' | { file: string; created: boolean };
}

/** A secret `npm start` needs: the variable that sets it, the state file that keeps it. */
export interface SecretSpec {
  /** The environment variable that wins when set, e.g. `PROMOTER_WEBHOOK_SECRET`. */
  variable: string;
  /** The file name inside the state directory, e.g. `webhook-secret`. */
  fileName: string;
}

/** The registry webhook's shared secret. */
export const WEBHOOK_SECRET: SecretSpec = {
  variable: 'PROMOTER_WEBHOOK_SECRET',
  fileName: 'webhook-secret',
};

/** The key `POST /api/approvals` requests are signed with (the CLI reads the same file). */
export const APPROVALS_HMAC_SECRET: SecretSpec = {
  variable: 'PROMOTER_APPROVALS_HMAC_SECRET',
  fileName: 'approvals-hmac-secret',
};

/** The webhook secret in use and where it came from. */
export type WebhookSecret = LocalSecret;

/**
 * `spec.variable` when set; otherwise the secret saved in `<stateDir>/<spec.fileName>`,
 * created on first use (32 random bytes, base64url, file mode 0600) so that restarts keep it.
 */
export async function readOrCreateSecret(
  env: NodeJS.ProcessEnv,
  stateDir: string,
  spec: SecretSpec,
): Promise<LocalSecret> {
  const fromEnv = env[spec.variable]?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return { secret: fromEnv, source: 'env' };
  const file = path.join(stateDir, spec.fileName);
  try {
    const saved = (await readFile(file, 'utf8')).trim();
    if (saved.length >= 16) return { secret: saved, source: { file, created: false } };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { secret, source: { file, created: true } };
}

/**
 * PROMOTER_WEBHOOK_SECRET when set; otherwise the secret saved in `<stateDir>/webhook-secret`,
 * created on first use (see {@link readOrCreateSecret}).
 */
export function readOrCreateWebhookSecret(
  env: NodeJS.ProcessEnv,
  stateDir: string,
): Promise<WebhookSecret> {
  return readOrCreateSecret(env, stateDir, WEBHOOK_SECRET);
}

/** For the reader: `from PROMOTER_…`, `generated, saved in <file>` or `from <file>`. */
export function describeSecretSource(secret: LocalSecret, spec: SecretSpec): string {
  const { source } = secret;
  if (source === 'env') return `from ${spec.variable}`;
  return `${source.created ? 'generated, saved in' : 'from'} ${source.file}`;
}
