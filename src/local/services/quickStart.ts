import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** What {@link quickStart} describes. */
export interface QuickStartInfo {
  hostUrl: string;
  tablesUrl: string;
  logDir: string;
  secret: string;
  /** Where the secret came from, for the reader: `PROMOTER_WEBHOOK_SECRET` or a file path. */
  secretSource: string;
  /** PROMOTER_APPROVALS_HMAC_SECRET: what `POST /api/approvals` (and so the CLI) signs with. */
  approvalsSecret: string;
  /** Where the approvals secret came from, like {@link secretSource}. */
  approvalsSecretSource: string;
  /**
   * What a second terminal must export for `npx promoter` to find the approvals secret
   * (`NAME=value` each), when it cannot find it by itself in `./.promoter`.
   */
  cliExports: readonly string[];
  /** The local registry; undefined when PROMOTER_REGISTRY names another one. */
  registry:
    | {
        host: string;
        url: string;
        certFile: string;
        certDir: string;
        sampleImage: string;
        /** A second, different sample image (another digest), for rollback and drift. */
        secondImage: string;
      }
    | undefined;
  externalRegistry: string | undefined;
  /** The second local registry ("production", `localhost:5001`), when one was started. */
  productionRegistry?: string | undefined;
  /** A 7-hex git SHA to put in the example build tag. */
  gitSha: string;
}

/** `git rev-parse --short=7 HEAD` in `dir`, or 7 random hex digits outside a git checkout. */
export function exampleGitSha(dir: string): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (/^[0-9a-f]{7}$/.test(sha)) return sha;
  } catch {
    // not a git checkout, or no git
  }
  return randomBytes(4).toString('hex').slice(0, 7);
}

/** The text `npm start` prints once everything is up: URLs, the secret, commands to try. */
export function quickStart(info: QuickStartInfo): string {
  const tag = `git-${info.gitSha}`;
  // The registry notifies promoter after the push returns: wait for the build, up to 30 s.
  const read =
    `curl -sf --retry 30 --retry-delay 1 --retry-all-errors ${info.hostUrl}/api/repositories/myapp/builds/${info.gitSha}` +
    ` || echo "no build of myapp at ${info.gitSha} after 30 s: see ${info.logDir}"`;
  const row = (label: string, value: string): string => `  ${label.padEnd(16)} ${value}`;
  const lines = [
    '',
    'promoter is running. Ctrl-C stops everything.',
    '',
    row('function host', info.hostUrl),
    row('board', `${info.hostUrl}/  (open in a browser)`),
    info.registry === undefined
      ? row(
          'registry',
          `${info.externalRegistry ?? '(none)'} (PROMOTER_REGISTRY; none started here)`,
        )
      : row('registry', `${info.registry.url}  (TLS, certificate ${info.registry.certFile})`),
    ...(info.productionRegistry === undefined
      ? []
      : [
          row(
            'production',
            `https://${info.productionRegistry}  (a second registry, same certificate; PROMOTER_PIPELINE_FILE=examples/two-registries.pipeline.json promotes release there)`,
          ),
        ]),
    row('Azurite tables', info.tablesUrl),
    row('webhook secret', `${info.secret}  (${info.secretSource})`),
    row('approvals secret', `${info.approvalsSecret}  (${info.approvalsSecretSource})`),
    row('logs', info.logDir),
    '',
  ];
  if (info.registry === undefined) {
    lines.push(
      `Point ${info.externalRegistry ?? 'the registry'}'s webhook at ${info.hostUrl}/api/hooks/registry`,
      `(it must reach this machine) with the header "Authorization: Bearer <webhook secret>", push`,
      `myapp:${tag}, then wait for the build to be recorded and read it back:`,
      `  ${read}`,
      '',
      ...promote(info),
      '',
    );
    return lines.join('\n');
  }
  const { host, certDir, certFile, sampleImage, secondImage } = info.registry;
  lines.push(
    `Push a build of myapp for git commit ${info.gitSha} (a sample image is ready, no internet needed):`,
    `  skopeo copy --dest-cert-dir ${certDir} oci:${sampleImage}:latest docker://${host}/myapp:${tag}`,
    'then wait for it to be recorded (the notification is asynchronous) and read it back (the digest',
    'is what `skopeo inspect` reports):',
    `  ${read}`,
    `  skopeo inspect --cert-dir ${certDir} docker://${host}/myapp:${tag}`,
    '',
    'Or with docker: trust the certificate once, then push any image under a git-<sha> tag:',
    `  sudo mkdir -p /etc/docker/certs.d/${host} && sudo cp ${certFile} /etc/docker/certs.d/${host}/ca.crt`,
    `  docker tag <image> ${host}/myapp:${tag} && docker push ${host}/myapp:${tag}`,
    '',
    ...promote(info),
    `  skopeo inspect --cert-dir ${certDir} docker://${host}/myapp:1.2.3 | grep Digest`,
    '',
    `More sample images with other digests are beside it (oci:${secondImage}:latest, …-3):`,
    'docs/operating.md, "Walk-through: operating it locally", uses them for the board, rollback,',
    'drift, retention and doctor.',
    '',
  );
  return lines.join('\n');
}

/** The README's promotion walk-through, for the pushed build: dev → rc → release. */
function promote(info: QuickStartInfo): string[] {
  return [
    'Then promote it with the promoter CLI (`npm start` already ran `npm run build`; the push',
    'already moved dev-latest; the CLI signs approvals with the approvals secret above):',
    ...info.cliExports.map((assignment) => `  export ${assignment}`),
    '  npx promoter status myapp',
    `  npx promoter approve myapp ${info.gitSha} --stage rc --version 1.2.3 --as alice --wait`,
    '  npx promoter approve myapp 1.2.3-rc1 --stage release --as bob --wait',
    '  npx promoter history myapp',
  ];
}
