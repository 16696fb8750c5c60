import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ABSENT_TAG, createAcrDoctorProbe } from '../../src/adapters/acr/acrDoctorProbe.js';
import { createAcrRegistry } from '../../src/adapters/acr/acrRegistry.js';
import { startAuthRegistry, type AuthRegistry } from '../support/authRegistry.js';
import { unique } from '../support/stack.js';

describe('the registry probe, auth off (the suite registry)', () => {
  const host = inject('registryHost');
  const probe = createAcrDoctorProbe({ registry: host });
  const registry = createAcrRegistry({ registry: host });

  it('is anonymous and not ACR', async () => {
    expect(await probe.identity()).toEqual({
      kind: 'anonymous',
      setting: 'PROMOTER_REGISTRY_AUTH',
    });
    expect(probe.isAcr).toBe(false);
    expect(probe.target).toBe(host);
  });

  it('pulls: a tag that is not there answers 404, which proves reads work', async () => {
    expect(await probe.pull(unique('doctor'))).toEqual({
      ok: true,
      detail: expect.stringContaining(`:${ABSENT_TAG} is not there (404): reads work`) as unknown,
    });
  });

  it('pushes a scratch manifest under the tag and deletes it again', async () => {
    const repository = unique('doctor');
    const tag = unique('promoter-doctor');
    const pushed = await probe.push(repository, tag);
    if (!pushed.ok) throw new Error(`push failed: ${JSON.stringify(pushed.failure)}`);
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await registry.resolveTag(repository, tag)).toBe(pushed.digest);

    expect(await probe.remove(repository, pushed.digest)).toEqual({
      ok: true,
      detail: `deleted ${repository}@${pushed.digest}`,
    });
    expect(await registry.resolveTag(repository, tag)).toBeUndefined();
  });

  it('gives each run its own digest, so that runs never delete each other', async () => {
    const repository = unique('doctor');
    const [a, b] = await Promise.all([
      probe.push(repository, 'promoter-doctor-a'),
      probe.push(repository, 'promoter-doctor-b'),
    ]);
    expect(a.ok && b.ok && a.digest !== b.digest).toBe(true);
  });
});

describe('the registry probe, auth on (htpasswd)', () => {
  let auth: AuthRegistry;
  beforeAll(async () => {
    auth = await startAuthRegistry();
  });
  afterAll(async () => {
    await auth.stop();
  });

  it('the registry really asks for a password, and takes the right one', async () => {
    const v2 = `https://${auth.host}/v2/`;
    expect((await fetch(v2)).status).toBe(401);
    const basic = Buffer.from(`${auth.user}:${auth.password}`).toString('base64');
    expect((await fetch(v2, { headers: { authorization: `Basic ${basic}` } })).status).toBe(200);
  });

  it.each(['pull', 'push'] as const)(
    'anonymous %s fails: the registry asks for credentials promoter cannot give',
    async (step) => {
      const probe = createAcrDoctorProbe({ registry: auth.host });
      const result =
        step === 'pull'
          ? await probe.pull('promoter-doctor')
          : await probe.push('promoter-doctor', 'promoter-doctor-x');
      expect(result).toEqual({
        ok: false,
        failure: {
          kind: 'sign-in-unsupported',
          status: 401,
          answer: 'HTTP 401, WWW-Authenticate: Basic realm="promoter"',
        },
      });
    },
  );
});
