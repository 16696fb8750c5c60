import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';

/** Names of the CNCF distribution registry binary: Debian's first, then upstream's. */
export const REGISTRY_BINARY_NAMES = ['docker-registry', 'registry'] as const;

/** The registry binary's path on PATH, or undefined when it is not installed. */
export function findRegistryBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of REGISTRY_BINARY_NAMES) {
    const found = findOnPath(name, env);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `name`'s full path when an executable of that name is on PATH. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * What of the local stack's tools is not on PATH: the registry binary (as `docker-registry`,
 * the package that installs it) and each of `tools`.
 */
export function missingTools(tools: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return [
    ...(findRegistryBinary(env) === undefined ? ['docker-registry'] : []),
    ...tools.filter((tool) => findOnPath(tool, env) === undefined),
  ];
}

/** True on Debian, Ubuntu and their derivatives (from /etc/os-release ID and ID_LIKE). */
export function isDebianLike(osRelease = readOsRelease()): boolean {
  const ids = `${osRelease.ID ?? ''} ${osRelease.ID_LIKE ?? ''}`.split(/\s+/);
  return ids.includes('debian') || ids.includes('ubuntu');
}

function readOsRelease(): Record<string, string> {
  try {
    const fields: Record<string, string> = {};
    for (const line of readFileSync('/etc/os-release', 'utf8').split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match?.[1] !== undefined && match[2] !== undefined) {
        fields[match[1]] = match[2].replace(/^["']|["']$/g, '');
      }
    }
    return fields;
  } catch {
    return {};
  }
}

/** The one-line way to install the registry on this platform, for error messages. */
export function registryInstallHint(): string {
  if (process.platform === 'linux' && isDebianLike()) {
    return 'sudo apt-get install -y docker-registry';
  }
  // Homebrew's `distribution` formula is an unrelated histogram tool, so no brew one-liner.
  return (
    'install the CNCF distribution registry (`registry` binary), e.g. ' +
    '`go install github.com/distribution/distribution/v3/cmd/registry@latest`'
  );
}

/** Thrown when the registry binary is missing and was not (or could not be) installed. */
export class MissingRegistryError extends Error {
  constructor(detail?: string) {
    super(
      `the CNCF distribution registry (docker-registry or registry) is not on PATH; ` +
        registryInstallHint() +
        (detail === undefined ? '' : ` (${detail})`) +
        '; or set PROMOTER_REGISTRY to use an existing registry',
    );
    this.name = 'MissingRegistryError';
  }
}

/**
 * Returns the registry binary, installing Debian's `docker-registry` package with apt-get
 * first when it is missing, `install` is true and this is Debian or Ubuntu (as root, or
 * through `sudo -n`: never prompts). Throws {@link MissingRegistryError} otherwise.
 * `log` receives an announcement and apt-get's output.
 */
export async function ensureRegistryBinary(options: {
  install: boolean;
  log: (line: string) => void;
}): Promise<string> {
  const found = findRegistryBinary();
  if (found !== undefined) return found;
  if (!options.install || process.platform !== 'linux' || !isDebianLike()) {
    throw new MissingRegistryError();
  }
  options.log(
    'docker-registry is not installed; installing it: apt-get install -y docker-registry',
  );
  await installRegistryWithApt(options.log);
  const installed = findRegistryBinary();
  if (installed === undefined) throw new MissingRegistryError('apt-get did not install it');
  return installed;
}

/**
 * Runs `apt-get install -y docker-registry` (after `apt-get update` when the package is not
 * known yet), as root or with `sudo -n`. Rejects with apt-get's last output lines on failure.
 */
export async function installRegistryWithApt(log: (line: string) => void): Promise<void> {
  const first = await runApt(['install', '-y', 'docker-registry'], log);
  if (first.ok) return;
  if (/Unable to locate package|has no installation candidate/.test(first.output)) {
    const update = await runApt(['update'], log);
    if (update.ok && (await runApt(['install', '-y', 'docker-registry'], log)).ok) return;
  }
  throw new MissingRegistryError('apt-get install -y docker-registry failed; see the output above');
}

async function runApt(
  args: readonly string[],
  log: (line: string) => void,
): Promise<{ ok: boolean; output: string }> {
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? 'apt-get' : 'sudo';
  const argv = asRoot ? [...args] : ['-n', 'apt-get', ...args];
  log(`$ ${command} ${argv.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, argv, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output += text;
      for (const line of text.split('\n')) if (line.trim() !== '') log(`  ${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => {
      resolve({ ok: false, output: `${output}\n${error.message}` });
    });
    child.once('close', (code) => {
      resolve({ ok: code === 0, output });
    });
  });
}
