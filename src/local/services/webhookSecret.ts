import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The webhook secret in use and where it came from. */
export interface WebhookSecret {
  secret: string;
  /** `env` when PROMOTER_WEBHOOK_SECRET is set, else the file it was read from or saved to. */
  source: 'env' | { file: string; created: boolean };
}

/**
 * PROMOTER_WEBHOOK_SECRET when set; otherwise the secret saved in `<stateDir>/webhook-secret`,
 * created on first use (32 random bytes, base64url, file mode 0600) so that restarts keep it.
 */
export async function readOrCreateWebhookSecret(
  env: NodeJS.ProcessEnv,
  stateDir: string,
): Promise<WebhookSecret> {
  const fromEnv = env.PROMOTER_WEBHOOK_SECRET?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return { secret: fromEnv, source: 'env' };
  const file = path.join(stateDir, 'webhook-secret');
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
