import { describe, expect, it } from 'vitest';
import type { ImportImageParameters } from '@azure/arm-containerregistry';
import {
  armFailure,
  createArmImportCopier,
  createCompositeCopier,
  parseRegistryResourceId,
} from '../../src/adapters/arm/armImportCopier.js';
import { NotFoundError, TransientError } from '../../src/domain/errors.js';
import { MemoryRegistry } from '../support/memoryRegistry.js';

const DEV = 'devacr.azurecr.io';
const PROD = 'prodacr.azurecr.io';
const ids: Record<string, string> = {
  [DEV]:
    '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-dev/providers/Microsoft.ContainerRegistry/registries/devacr',
  [PROD]:
    '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/prodacr',
};

/** An ARM error as the SDK throws it. */
const restError = (statusCode: number, message: string) =>
  Object.assign(new Error(message), { name: 'RestError', statusCode });

function setup(fail?: (parameters: ImportImageParameters) => Error | undefined) {
  const source = new MemoryRegistry();
  const calls: { target: string; parameters: ImportImageParameters }[] = [];
  const copier = createArmImportCopier({
    resourceIdOf: (server) => ids[server],
    registryAt: () => source,
    importImage: (target, parameters) => {
      calls.push({
        target: `${target.subscriptionId}/${target.resourceGroup}/${target.name}`,
        parameters,
      });
      const error = fail?.(parameters);
      return error === undefined ? Promise.resolve() : Promise.reject(error);
    },
  });
  return { source, calls, copier };
}

describe('the ARM import copier', () => {
  it('imports the digest untagged into the target, then each referrer by digest, never forcing a tag', async () => {
    const t = setup();
    const digest = t.source.add('myapp', '{"schemaVersion":2,"layers":[]}');
    const signature = t.source.add(
      'myapp',
      JSON.stringify({
        schemaVersion: 2,
        artifactType: 'application/spdx+json',
        subject: { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1 },
      }),
    );
    const report = await t.copier.copy(
      { registry: DEV, repository: 'myapp' },
      { registry: PROD, repository: 'prod/myapp' },
      digest,
    );
    expect(t.calls).toEqual([
      {
        target: '22222222-2222-2222-2222-222222222222/rg-prod/prodacr',
        parameters: {
          source: { resourceId: ids[DEV], sourceImage: `myapp@${digest}` },
          untaggedTargetRepositories: ['prod/myapp'],
          mode: 'NoForce',
        },
      },
      {
        target: '22222222-2222-2222-2222-222222222222/rg-prod/prodacr',
        parameters: {
          source: { resourceId: ids[DEV], sourceImage: `myapp@${signature}` },
          untaggedTargetRepositories: ['prod/myapp'],
          mode: 'NoForce',
        },
      },
    ]);
    expect(report).toMatchObject({
      digest,
      manifestsWritten: 2,
      referrers: [signature],
      bytesUploaded: 0,
    });
  });

  it('maps ARM failures: throttling and 5xx transient, 404 not found, a refusal with ARM’s answer', async () => {
    expect(armFailure('importing', restError(429, 'Too Many Requests'))).toBeInstanceOf(
      TransientError,
    );
    expect(armFailure('importing', restError(503, 'Service Unavailable'))).toBeInstanceOf(
      TransientError,
    );
    expect(armFailure('importing', restError(404, 'not found'))).toBeInstanceOf(NotFoundError);
    const refused = armFailure(
      'importing x',
      restError(403, 'AuthorizationFailed: no importImage/action'),
    );
    expect(refused).not.toBeInstanceOf(TransientError);
    expect(refused.message).toBe(
      'importing x: HTTP 403: AuthorizationFailed: no importImage/action',
    );
    const t = setup(() => restError(503, 'busy'));
    const digest = t.source.add('myapp', '{}');
    await expect(
      t.copier.copy(
        { registry: DEV, repository: 'myapp' },
        { registry: PROD, repository: 'myapp' },
        digest,
      ),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it('refuses a registry without a resource id, naming the field', async () => {
    const t = setup();
    await expect(
      t.copier.copy(
        { registry: 'other.azurecr.io', repository: 'a' },
        { registry: PROD, repository: 'a' },
        'sha256:00',
      ),
    ).rejects.toThrow('registries.other.azurecr.io.resourceId');
    expect(
      parseRegistryResourceId('/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/x/y'),
    ).toBeUndefined();
  });

  it('is picked by the composite copier only when it should be', async () => {
    const used: string[] = [];
    const copier = createCompositeCopier({
      arm: { copy: (_s, _t, digest) => (used.push('arm'), Promise.resolve({ digest } as never)) },
      distribution: {
        copy: (_s, _t, digest) => (used.push('oci'), Promise.resolve({ digest } as never)),
      },
      useArm: (s, t) => s.registry.endsWith('.azurecr.io') && t.registry.endsWith('.azurecr.io'),
    });
    await copier.copy({ registry: DEV, repository: 'a' }, { registry: PROD, repository: 'a' }, 'd');
    await copier.copy(
      { registry: DEV, repository: 'a' },
      { registry: 'ghcr.io', repository: 'a' },
      'd',
    );
    expect(used).toEqual(['arm', 'oci']);
  });
});
