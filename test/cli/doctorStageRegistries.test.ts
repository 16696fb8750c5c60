import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startAuthRegistry, type AuthRegistry } from '../support/authRegistry.js';
import { run } from './fakePromoterApi.js';

// `promoter doctor --here` on two real distribution registries: builds in the suite's registry,
// the release stage in a second one that asks for a password (htpasswd), declared in the
// pipeline with the sign-in the test varies. The ARM import check is covered with fakes
// (test/app/doctor/stageRegistries.test.ts): no Resource Manager runs here.

let auth: AuthRegistry;
let work: string;

beforeAll(async () => {
  auth = await startAuthRegistry();
  work = await mkdtemp(path.join(os.tmpdir(), 'promoter-doctor-stages-'));
});
afterAll(async () => {
  await auth.stop();
  await rm(work, { recursive: true, force: true });
});

/** A pipeline keeping release in the password-protected registry, signed in to as `signIn`. */
function pipelineFile(signIn: Record<string, string>): string {
  const file = path.join(work, `pipeline-${randomBytes(3).toString('hex')}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      registries: { [auth.host]: signIn },
      stages: [
        { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
        { name: 'rc', tag: '{version}-rc{n}', immutable: true, approval: { required: 1 } },
        {
          name: 'release',
          tag: '{version}',
          immutable: true,
          approval: { required: 1 },
          registry: auth.host,
          repository: 'prod/{repository}',
        },
      ],
    }),
  );
  return file;
}

const env = (file: string, more: Record<string, string> = {}): Record<string, string> => ({
  PROMOTER_TABLES_CONNECTION_STRING: inject('tablesConnectionString'),
  PROMOTER_TABLE_PREFIX: `doctorstage${randomBytes(3).toString('hex')}`,
  PROMOTER_REGISTRY: inject('registryHost'),
  PROMOTER_PIPELINE_FILE: file,
  ...more,
});

const basic = {
  signIn: 'basic',
  usernameSetting: 'PROD_USERNAME',
  passwordSetting: 'PROD_PASSWORD',
};
const stageLines = (stdout: string) =>
  stdout.split('\n').filter((l) => /^[✓✗–] stage registry/.test(l));

describe('promoter doctor --here on a registry the pipeline keeps a stage in', () => {
  it('signs in with the basic credentials the settings hold, reads and writes the stage repository, exit 0', async () => {
    const { code, stdout, stderr } = await run(['doctor', '--here'], {
      env: env(pipelineFile(basic), { PROD_USERNAME: auth.user, PROD_PASSWORD: auth.password }),
    });
    expect(stderr).toBe('');
    expect(stdout).toContain(`  stage registry ${auth.host}: user ci (from PROD_USERNAME)`);
    expect(stageLines(stdout)).toEqual([
      '✓ stage registry read    prod/promoter-doctor:promoter-doctor-absent is not there (404): reads work',
      expect.stringMatching(
        /^✓ stage registry write {3}put prod\/promoter-doctor:promoter-doctor \(sha256:[0-9a-f]{64}\)$/,
      ),
      `– stage registry import  skipped: ${auth.host} is not an Azure Container Registry promoter signs in to with its Azure identity: promotion into it copies through the distribution API, nothing is imported`,
    ]);
    expect(stdout).not.toContain(auth.password);
    expect(code).toBe(0);
  });

  it('names the registry, the stage and the settings when the password is wrong, exit 1', async () => {
    const { code, stdout } = await run(['doctor', '--here', '--quick'], {
      env: env(pipelineFile(basic), {
        PROD_USERNAME: auth.user,
        PROD_PASSWORD: 'not-the-password',
      }),
    });
    expect(stageLines(stdout)).toEqual([
      `✗ stage registry read  failed: sign in to ${auth.host} as registries.${auth.host}.signIn says (basic) and resolve a tag that should not exist in prod/promoter-doctor (stage release)`,
    ]);
    expect(stdout).toMatch(
      new RegExp(
        `cause: ${auth.host.replace('.', '\\.')} \\(stage release\\) refused pull to user ci \\(from PROD_USERNAME\\) \\(.+\\): registries\\.${auth.host.replace('.', '\\.')}\\.signIn is basic`,
      ),
    );
    expect(stdout).toContain(
      `fix:   check that PROD_USERNAME and PROD_PASSWORD hold a user with pull and push rights on ${auth.host}`,
    );
    expect(stdout).not.toContain('not-the-password');
    expect(code).toBe(1);
  });

  it('says to declare a sign-in when the registry refuses anonymous reads', async () => {
    const { code, stdout } = await run(['doctor', '--here', '--quick'], {
      env: env(pipelineFile({ signIn: 'anonymous' })),
    });
    expect(stdout).toContain(`  stage registry ${auth.host}: anonymous (no credentials)`);
    expect(stdout).toMatch(
      new RegExp(
        `cause: ${auth.host.replace('.', '\\.')} \\(stage release\\) refused anonymous pull \\(.+\\): registries\\.`,
      ),
    );
    expect(stdout).toContain(
      `fix:   declare how promoter signs in: registries.${auth.host}: { "signIn": "basic"`,
    );
    expect(code).toBe(1);
  });

  it('refuses missing credentials before checking, naming the setting and the pipeline field, exit 2', async () => {
    const { code, stderr } = await run(['doctor', '--here'], {
      env: env(pipelineFile(basic), { PROD_USERNAME: auth.user }),
    });
    expect(stderr).toContain(
      `PROD_PASSWORD: is not set: the pipeline's registries.${auth.host}.passwordSetting names it`,
    );
    expect(code).toBe(2);
  });
});
