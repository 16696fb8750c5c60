import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import bcrypt from 'bcryptjs';
import { freePort } from '../../src/local/services/tcpPorts.js';
import { startRegistry } from '../../src/local/services/registry.js';

/** A distribution registry that asks every request for a password (htpasswd, realm `promoter`). */
export interface AuthRegistry {
  /** `localhost:<port>` */
  readonly host: string;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

/**
 * Starts a second docker-registry, over TLS like the suite's, with htpasswd auth switched on
 * (one bcrypt user). Its certificate is trusted in this worker from now on. Notifications go
 * nowhere: nothing listens on their URL.
 */
export async function startAuthRegistry(): Promise<AuthRegistry> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'promoter-auth-registry-'));
  const user = 'ci';
  const password = 'doctor-test-password';
  const htpasswdFile = path.join(stateDir, 'htpasswd');
  writeFileSync(htpasswdFile, `${user}:${bcrypt.hashSync(password, 4)}\n`, { mode: 0o600 });
  const registry = await startRegistry({
    stateDir,
    port: await freePort(),
    notifyUrl: `http://127.0.0.1:${await freePort()}/none`,
    notifyHeaders: {},
    htpasswdFile,
  });
  tls.setDefaultCACertificates([
    ...tls.getCACertificates('default'),
    readFileSync(registry.certFile, 'utf8'),
  ]);
  return {
    host: registry.host,
    user,
    password,
    stop: async () => {
      await registry.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
