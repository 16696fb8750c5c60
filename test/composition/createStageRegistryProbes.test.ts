import type { TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { registryResourceIds } from '../../src/composition/createRegistries.js';
import { createStageRegistryProbes } from '../../src/composition/createStageRegistryProbes.js';
import { registrySignIns } from '../../src/composition/registrySignIns.js';
import { parsePipeline } from '../../src/domain/pipeline.js';

// Which registries the doctor checks, how it signs in there, and where it expects a
// server-side import: built from a pipeline as the app reads it. Nothing connects here.

const BUILD =
  '/subscriptions/00000000-0000-0000-0000-0000000000bb/resourceGroups/rg-build/providers/Microsoft.ContainerRegistry/registries/myacr';
const PROD =
  '/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/prodacr';
const credential: TokenCredential = {
  getToken: () => Promise.reject(new Error('no token is asked for while building probes')),
};

const pipeline = parsePipeline({
  registries: {
    'prodacr.azurecr.io': { signIn: 'azure', resourceId: PROD },
    'harbor.example.com': {
      signIn: 'basic',
      usernameSetting: 'HARBOR_USER',
      passwordSetting: 'HARBOR_PASSWORD',
    },
    'unused.example.com': { signIn: 'anonymous' },
  },
  stages: [
    { name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } },
    {
      name: 'rc',
      tag: '{version}-rc{n}',
      immutable: true,
      approval: { required: 1 },
      registry: 'harbor.example.com',
      repository: 'team/{repository}',
    },
    {
      name: 'release',
      tag: '{version}',
      immutable: true,
      from: 'dev',
      approval: { required: 1 },
      registry: 'prodacr.azurecr.io',
      repository: 'prod/{repository}',
    },
    {
      name: 'hotfix',
      tag: '{version}-hf',
      immutable: true,
      from: 'rc',
      approval: { required: 1 },
      registry: 'prodacr.azurecr.io',
    },
  ],
});
const env = { HARBOR_USER: 'robot', HARBOR_PASSWORD: 'secret-password' };

const build = async (buildResourceId: string | undefined) =>
  createStageRegistryProbes(
    {
      pipeline,
      signIns: registrySignIns(pipeline, env),
      resourceIds: registryResourceIds(pipeline.registries, {
        registry: 'myacr.azurecr.io',
        resourceId: buildResourceId,
      }),
    },
    { registry: 'myacr.azurecr.io', signIn: 'azure' },
    () => Promise.resolve(credential),
  );

describe('the probes of the registries a pipeline keeps stages in', () => {
  it('covers each declared registry a stage is kept in, with each stage repository and where an import applies', async () => {
    const probes = await build(BUILD);
    expect(probes.map((p) => [p.target, p.setting, p.signIn, p.isAcr])).toEqual([
      ['prodacr.azurecr.io', 'registries.prodacr.azurecr.io', 'azure', true],
      ['harbor.example.com', 'registries.harbor.example.com', 'basic', false],
    ]);
    const [prod, harbor] = probes;
    // release comes from dev (the build ACR): an import; hotfix from rc in Harbor: a copy.
    expect(prod?.stages).toEqual([
      { stage: 'release', repository: 'prod/promoter-doctor', importSource: BUILD },
      { stage: 'hotfix', repository: 'promoter-doctor' },
    ]);
    expect(prod?.resourceId).toBe(PROD);
    expect(prod?.permissions).toBeDefined();
    expect(harbor?.stages).toEqual([{ stage: 'rc', repository: 'team/promoter-doctor' }]);
    expect(harbor?.basicSettings).toEqual({
      usernameSetting: 'HARBOR_USER',
      passwordSetting: 'HARBOR_PASSWORD',
    });
    expect(harbor?.permissions).toBeUndefined();
    expect(await harbor?.identity()).toEqual({
      kind: 'basic',
      username: 'robot',
      setting: 'HARBOR_USER',
    });
    expect(JSON.stringify(probes)).not.toContain('secret-password');
  });

  it('expects no import when the build registry has no resource id', async () => {
    const [prod] = await build(undefined);
    expect(prod?.stages.map((s) => s.importSource)).toEqual([undefined, undefined]);
  });
});
