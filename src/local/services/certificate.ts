import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Where {@link ensureCertificate} put the certificate. */
export interface CertificateFiles {
  /** PEM certificate for `localhost`; also usable as `NODE_EXTRA_CA_CERTS` or an https `ca`. */
  certFile: string;
  /** Its unencrypted PEM private key. */
  keyFile: string;
  /**
   * A directory holding only `ca.crt` (a copy of the certificate), for skopeo's
   * `--cert-dir`, `--src-cert-dir` and `--dest-cert-dir` (skopeo trusts `*.crt` there as CAs)
   * and docker's `/etc/docker/certs.d/<host:port>/`.
   */
  certDir: string;
}

/**
 * A file to give child processes as NODE_EXTRA_CA_CERTS so that they trust `certFile`: the
 * file itself, or, when the user has NODE_EXTRA_CA_CERTS set already (`theirs`),
 * `<dir>/ca-bundle.pem` holding their certificates and ours.
 */
export function extraCaCertsFile(
  certFile: string,
  dir: string,
  theirs = process.env.NODE_EXTRA_CA_CERTS,
): string {
  if (theirs === undefined || theirs === '') return certFile;
  const bundle = path.join(dir, 'ca-bundle.pem');
  writeFileSync(bundle, `${readFileSync(theirs, 'utf8')}\n${readFileSync(certFile, 'utf8')}`);
  return bundle;
}

const MIN_REMAINING_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Makes sure `dir` holds a self-signed certificate for `localhost` (SANs `DNS:localhost`,
 * `IP:127.0.0.1`, `IP:::1`), created with the `openssl` CLI. An existing one is reused while it
 * has more than 30 days left, so that trust given to it (docker's certs.d) survives restarts.
 */
export async function ensureCertificate(dir: string): Promise<CertificateFiles> {
  const certFile = path.join(dir, 'localhost.crt');
  const keyFile = path.join(dir, 'localhost.key');
  const certDir = path.join(dir, 'certs.d');
  mkdirSync(certDir, { recursive: true });
  if (!isReusable(certFile, keyFile)) {
    await createCertificate(certFile, keyFile);
  }
  copyFileSync(certFile, path.join(certDir, 'ca.crt'));
  return { certFile, keyFile, certDir };
}

function isReusable(certFile: string, keyFile: string): boolean {
  if (!existsSync(certFile) || !existsSync(keyFile)) return false;
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    return (
      Date.parse(cert.validTo) - Date.now() > MIN_REMAINING_MS &&
      cert.checkHost('localhost') !== undefined &&
      cert.checkIP('127.0.0.1') !== undefined &&
      cert.checkIP('::1') !== undefined
    );
  } catch {
    return false;
  }
}

async function createCertificate(certFile: string, keyFile: string): Promise<void> {
  const args = [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '825',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ];
  try {
    await execFileAsync('openssl', args);
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: string };
    if (code === 'ENOENT') {
      throw new Error(
        'openssl is needed to create the local registry certificate and was not found on PATH ' +
          '(Debian/Ubuntu: apt-get install -y openssl; macOS: brew install openssl)',
        { cause: error },
      );
    }
    throw new Error(`creating a certificate with openssl failed: ${stderr ?? String(error)}`, {
      cause: error,
    });
  }
}
