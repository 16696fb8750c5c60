import { afterEach, describe, expect, inject, it } from 'vitest';
import { createAcrRegistry } from '../../src/adapters/acr/acrRegistry.js';
import { nextLink } from '../../src/adapters/acr/acrListing.js';
import { TransientError } from '../../src/domain/errors.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../support/faultProxy.js';

// The listings behind the fault proxy in front of the suite's registry: what a caller is
// thrown when the distribution API fails, and, with the proxy standing in for ACR's /acr/v1/
// API (none runs here), how the SDK's tag listing is read and where it stops.

const registryHost = inject('registryHost');
const certFile = inject('registryCertFile');

let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function behindProxy(isAcr: boolean) {
  proxy = await startFaultProxy({ upstream: registryHost, certFile });
  return { proxy, registry: createAcrRegistry({ registry: proxy.host, isAcr }) };
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

/** ACR's answer to GET /acr/v1/{repo}/_tags: tag attributes, newest first. */
const acrTags = (repository: string, tags: { name: string; at: string }[]) => ({
  registry: 'myacr.azurecr.io',
  imageName: repository,
  tags: tags.map(({ name, at }) => ({
    name,
    digest: `sha256:${name
      .padEnd(64, '0')
      .slice(0, 64)
      .replace(/[^0-9a-f]/g, 'a')}`,
    createdTime: at,
    lastUpdateTime: at,
    signed: false,
    changeableAttributes: {
      deleteEnabled: true,
      writeEnabled: true,
      readEnabled: true,
      listEnabled: true,
    },
  })),
});

describe('registry listings when the registry misbehaves', () => {
  it('a 503 on the tag list is a TransientError naming the repository', async () => {
    const { proxy: p, registry } = await behindProxy(false);
    p.failNext(1, { kind: 'status', status: 503 }, (r) => r.path.includes('/tags/list'));

    const error = await failureOf(registry.listTags('team/app'));

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(
      /^listing the tags of team\/app: registry unavailable: HTTP 503/,
    );
  });

  it('a 401 on the catalog is a plain Error saying the listing is anonymous', async () => {
    const { proxy: p, registry } = await behindProxy(false);
    p.failNext(1, { kind: 'status', status: 401 }, (r) => r.path.startsWith('/v2/_catalog'));

    const error = await failureOf(registry.listRepositories());

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('does not allow anonymous listing');
  });

  it('a refused connection is a TransientError', async () => {
    const { proxy: p, registry } = await behindProxy(false);
    p.failNext(1, { kind: 'reset' }, (r) => r.path.includes('/tags/list'));

    expect(await failureOf(registry.listTags('team/app'))).toBeInstanceOf(TransientError);
  });
});

describe('ACR tag listing (the proxy stands in for /acr/v1/)', () => {
  it('asks newest first, follows the next page, and stops at the first tag older than updatedSince', async () => {
    const { proxy: p, registry } = await behindProxy(true);
    const isTags = (r: ProxiedRequest) => r.path.startsWith('/acr/v1/team%2Fapp/_tags');
    p.failNext(
      1,
      {
        kind: 'status',
        status: 200,
        headers: { link: '</acr/v1/team%2Fapp/_tags?last=b&n=100&orderby=timedesc>; rel="next"' },
        body: acrTags('team/app', [
          { name: 'c', at: '2026-11-27T10:00:00Z' },
          { name: 'b', at: '2026-11-27T09:00:00Z' },
        ]),
      },
      isTags,
    );
    p.failNext(
      1,
      {
        kind: 'status',
        status: 200,
        body: acrTags('team/app', [
          { name: 'a', at: '2026-11-27T07:00:00Z' },
          { name: 'z', at: '2026-11-27T06:00:00Z' },
        ]),
      },
      isTags,
    );

    const listing = await registry.listTags('team/app', {
      updatedSince: new Date('2026-11-27T08:00:00Z'),
    });

    expect(listing.tags.map((t) => [t.tag, t.updatedAt])).toEqual([
      ['c', '2026-11-27T10:00:00.000Z'],
      ['b', '2026-11-27T09:00:00.000Z'],
    ]);
    expect(listing.tags[0]?.digest).toMatch(/^sha256:/);
    expect(listing).toMatchObject({ complete: false, requests: 2 });
    const asked = p.requests.filter(isTags).map((r) => r.path);
    expect(asked[0]).toContain('orderby=timedesc');
    expect(asked).toHaveLength(2);
  });

  it('lists every tag, complete, without updatedSince; a repository ACR does not know has none', async () => {
    const { proxy: p, registry } = await behindProxy(true);
    p.failNext(
      1,
      {
        kind: 'status',
        status: 200,
        body: acrTags('app', [{ name: 'a', at: '2026-11-27T07:00:00Z' }]),
      },
      (r) => r.path.startsWith('/acr/v1/app/_tags'),
    );
    p.failNext(
      1,
      { kind: 'status', status: 404, body: { errors: [{ code: 'NAME_UNKNOWN' }] } },
      (r) => r.path.startsWith('/acr/v1/none/_tags'),
    );

    expect(await registry.listTags('app')).toMatchObject({ complete: true, requests: 1 });
    expect(await registry.listTags('none')).toEqual({ tags: [], complete: true, requests: 0 });
  });
});

describe('nextLink', () => {
  it.each([
    ['</v2/_catalog?last=b&n=2>; rel="next"', '/v2/_catalog?last=b&n=2'],
    ['</v2/x/tags/list?n=2&last=t>; rel=next', '/v2/x/tags/list?n=2&last=t'],
    [null, undefined],
    ['</v2/_catalog?n=2>; rel="prev"', undefined],
  ])('reads %j as %j', (link, expected) => {
    expect(nextLink(link)).toBe(expected);
  });
});
