import { describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/identity';
import { createRegistries, registryResourceIds } from '../../src/composition/createRegistries.js';
import { parsePipeline } from '../../src/domain/pipeline.js';
import type { CopyReport, ImageCopier, RegistrySignIn } from '../../src/ports/imageCopier.js';
import { MemoryRegistry } from '../support/memoryRegistry.js';

const DEV = 'devacr.azurecr.io';
const PROD = 'prodacr.azurecr.io';
const LOCAL = 'localhost:5001';
const DEV_ID =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-dev/providers/Microsoft.ContainerRegistry/registries/devacr';
const PROD_ID =
  '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/prodacr';

const pipeline = (prod: Record<string, unknown>) =>
  parsePipeline({
    registries: { [PROD]: prod, [LOCAL]: { signIn: 'anonymous' } },
    stages: [{ name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } }],
  });

/** The registries with copiers that record which one each copy went through. */
function setup(resourceIds: ReadonlyMap<string, string>) {
  const used: string[] = [];
  const recording = (name: string): ImageCopier => ({
    copy: (_s, _t, digest) => {
      used.push(name);
      return Promise.resolve({ digest } as CopyReport);
    },
  });
  const signIns = new Map<string, RegistrySignIn>([
    [PROD, { kind: 'azure' }],
    [LOCAL, { kind: 'anonymous' }],
  ]);
  const registries = createRegistries({
    buildRegistry: DEV,
    registry: new MemoryRegistry(),
    buildSignIn: 'azure',
    signIns,
    identity: () => Promise.resolve({} as TokenCredential),
    resourceIds,
    copiers: { arm: recording('arm'), distribution: recording('distribution') },
  });
  const copy = (from: string, to: string) =>
    registries.copier.copy(
      { registry: from, repository: 'myapp' },
      { registry: to, repository: 'myapp' },
      'sha256:aa',
    );
  return { used, copy };
}

describe('createRegistries: the copier it picks', () => {
  it('imports through ARM when both registries are ACRs with resource ids', async () => {
    const ids = registryResourceIds(pipeline({ signIn: 'azure', resourceId: PROD_ID }).registries, {
      registry: DEV,
      resourceId: DEV_ID,
    });
    expect([...ids]).toEqual([
      [PROD, PROD_ID],
      [DEV, DEV_ID],
    ]);
    const t = setup(ids);
    await t.copy(DEV, PROD);
    expect(t.used).toEqual(['arm']);
  });

  it('uses the distribution API when either resource id is unknown, or a registry is not an ACR', async () => {
    const noBuildId = setup(
      registryResourceIds(pipeline({ signIn: 'azure', resourceId: PROD_ID }).registries, {
        registry: DEV,
        resourceId: undefined,
      }),
    );
    await noBuildId.copy(DEV, PROD);
    const noTargetId = setup(
      registryResourceIds(pipeline({ signIn: 'azure' }).registries, {
        registry: DEV,
        resourceId: DEV_ID,
      }),
    );
    await noTargetId.copy(DEV, PROD);
    const both = setup(
      registryResourceIds(pipeline({ signIn: 'azure', resourceId: PROD_ID }).registries, {
        registry: DEV,
        resourceId: DEV_ID,
      }),
    );
    await both.copy(DEV, LOCAL);
    expect([...noBuildId.used, ...noTargetId.used, ...both.used]).toEqual([
      'distribution',
      'distribution',
      'distribution',
    ]);
  });

  it('takes the build registry’s resource id from its declaration when no setting gives it', () => {
    const declared = parsePipeline({
      registries: { [DEV]: { signIn: 'azure', resourceId: DEV_ID } },
      stages: [{ name: 'dev', tag: 'dev-latest', immutable: false, approval: { required: 0 } }],
    });
    expect(
      registryResourceIds(declared.registries, { registry: DEV, resourceId: undefined }).get(DEV),
    ).toBe(DEV_ID);
  });
});
