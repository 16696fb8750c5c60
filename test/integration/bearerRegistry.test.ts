import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../src/local/host.js';
import type { RegistryService } from '../../src/local/services/registry.js';
import { buildImage, push } from '../support/images.js';
import {
  digestAt,
  hostEnv,
  startTwoRegistries,
  waitForDigest,
  writePipeline,
  type TwoRegistryWorld,
} from '../support/crossRegistry.js';
import { approve, newSha, outcomeOf, stack, unique } from '../support/stack.js';
import { startTokenProxy, type TokenProxy } from '../support/tokenProxy.js';

// End to end into a production registry that signs in as GHCR, Harbor or Docker Hub do: every
// request is challenged for a Bearer token (`WWW-Authenticate: Bearer realm=…`), which its
// token endpoint gives for basic credentials (test/support/tokenProxy.ts in front of a real
// distribution registry). The pipeline declares it with `signIn: basic`. The copy, the tag
// reads and the tag writes there all have to answer the challenge.

const USER = 'robot$promoter';
const PASSWORD = 'bearer-test-password-7f3a';

let world: TwoRegistryWorld;
let work: string;
let builds: RegistryService;
let production: RegistryService;
let proxy: TokenProxy;
let host: LocalHost;
let hostUrl: string;
const lines: string[] = [];

beforeAll(async () => {
  world = await startTwoRegistries('bearer', { notifyProduction: false });
  ({ work, hostUrl, builds, production } = world);
  proxy = await startTokenProxy({
    upstream: production.host,
    certFile: inject('registryCertFile'),
    mode: 'docker',
    user: { name: USER, password: PASSWORD },
  });
  const pipelineFile = writePipeline(work, 'bearer', {
    registries: {
      [proxy.host]: {
        signIn: 'basic',
        usernameSetting: 'PROD_REGISTRY_USERNAME',
        passwordSetting: 'PROD_REGISTRY_PASSWORD',
      },
    },
    stages: [
      { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
      {
        name: 'release',
        tag: '{version}',
        immutable: true,
        latest: 'release-latest',
        approval: { required: 1 },
        registry: proxy.host,
        repository: 'prod/{repository}',
      },
    ],
  });
  host = await startLocalHost({
    port: world.hostPort,
    env: hostEnv(builds.host, pipelineFile, {
      PROD_REGISTRY_USERNAME: USER,
      PROD_REGISTRY_PASSWORD: PASSWORD,
    }),
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await host.close();
  await proxy.close();
  await world.stop();
});

describe('promotion into a registry behind a Bearer token service, signed in with basic credentials', () => {
  it('copies the digest, reads and writes its tags there with tokens per repository; no credential in the logs', async () => {
    const repo = unique('myapp');
    const sha = newSha();
    const image = await buildImage(path.join(work, unique('image')), { content: `image ${sha}` });
    const digest = await push(image.reference, `${builds.host}/${repo}:git-${sha}`, stack.certDir);
    await waitForDigest(`${builds.host}/${repo}:dev-latest`, digest);

    const release = await outcomeOf(
      repo,
      await approve(
        { repository: repo, build: { gitSha: sha }, stage: 'release', version: '2.0.0' },
        hostUrl,
      ),
      hostUrl,
    );

    expect(release).toMatchObject({
      outcome: 'promoted',
      digest,
      tags: ['2.0.0'],
      registry: proxy.host,
      stageRepository: `prod/${repo}`,
    });
    expect(await digestAt(`${production.host}/prod/${repo}:2.0.0`)).toBe(digest);
    expect(await digestAt(`${production.host}/prod/${repo}:release-latest`)).toBe(digest);
    // Every token was asked for with the credentials, for the stage's repository alone.
    expect(proxy.tokenRequests.length).toBeGreaterThan(0);
    for (const scopes of proxy.issued)
      for (const scope of scopes) expect(scope).toMatch(new RegExp(`^repository:prod/${repo}:`));
    expect(proxy.issued.flat()).toEqual(
      expect.arrayContaining([`repository:prod/${repo}:pull`, `repository:prod/${repo}:push`]),
    );
    const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    expect(lines.filter((l) => l.includes(PASSWORD) || l.includes(basic))).toEqual([]);
  });
});
