import { describe, expect, it } from 'vitest';
import {
  digestProblem,
  formatImageReference,
  type ImageReference,
  isDigest,
  parseImageReference,
  repositoryProblem,
  tagProblem,
} from '../../src/domain/imageReference.js';

const SHA256 = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';
const SHA512 = `sha512:${'ab'.repeat(64)}`;
const TAG_128 = `v${'1'.repeat(127)}`;

describe('parseImageReference', () => {
  it.each<[string, string, string | undefined, ImageReference]>([
    [
      'a registry, a repository and a build tag',
      'myacr.azurecr.io/myapp:git-a1b2c3d',
      undefined,
      { registry: 'myacr.azurecr.io', repository: 'myapp', tag: 'git-a1b2c3d' },
    ],
    [
      'a registry with a port, not mistaken for a tag',
      'localhost:5000/myapp',
      undefined,
      { registry: 'localhost:5000', repository: 'myapp' },
    ],
    [
      'a registry with a port and a tag',
      'localhost:5000/myapp:1.0',
      undefined,
      { registry: 'localhost:5000', repository: 'myapp', tag: '1.0' },
    ],
    [
      'localhost without a port as the registry',
      'localhost/myapp',
      undefined,
      { registry: 'localhost', repository: 'myapp' },
    ],
    [
      'an IP address with a port as the registry',
      '10.0.0.7:5000/myapp:1.2.3',
      undefined,
      { registry: '10.0.0.7:5000', repository: 'myapp', tag: '1.2.3' },
    ],
    [
      'a bracketed IPv6 registry',
      '[::1]:5000/myapp',
      undefined,
      { registry: '[::1]:5000', repository: 'myapp' },
    ],
    [
      'a nested repository',
      'myacr.azurecr.io/team/backend:1.2.3-rc1',
      undefined,
      { registry: 'myacr.azurecr.io', repository: 'team/backend', tag: '1.2.3-rc1' },
    ],
    [
      'a deeply nested repository with every separator',
      'myacr.azurecr.io:443/org/team.x/back_end__v2--api',
      undefined,
      { registry: 'myacr.azurecr.io:443', repository: 'org/team.x/back_end__v2--api' },
    ],
    [
      'a digest',
      `myacr.azurecr.io/myapp@${SHA256}`,
      undefined,
      { registry: 'myacr.azurecr.io', repository: 'myapp', digest: SHA256 },
    ],
    [
      'a sha512 digest',
      `myacr.azurecr.io/myapp@${SHA512}`,
      undefined,
      { registry: 'myacr.azurecr.io', repository: 'myapp', digest: SHA512 },
    ],
    [
      'a tag and a digest',
      `localhost:5000/team/backend:git-a1b2c3d@${SHA256}`,
      undefined,
      {
        registry: 'localhost:5000',
        repository: 'team/backend',
        tag: 'git-a1b2c3d',
        digest: SHA256,
      },
    ],
    [
      'a 128-character tag, the longest allowed',
      `myacr.azurecr.io/myapp:${TAG_128}`,
      undefined,
      { registry: 'myacr.azurecr.io', repository: 'myapp', tag: TAG_128 },
    ],
    [
      'the default registry when none is named',
      'myapp:1.0',
      'myacr.azurecr.io',
      { registry: 'myacr.azurecr.io', repository: 'myapp', tag: '1.0' },
    ],
    [
      'the default registry for a nested repository whose first part has no dot',
      'team/backend',
      'myacr.azurecr.io',
      { registry: 'myacr.azurecr.io', repository: 'team/backend' },
    ],
    [
      'the named registry over the default one',
      'localhost:5000/myapp',
      'myacr.azurecr.io',
      { registry: 'localhost:5000', repository: 'myapp' },
    ],
  ])('parses %s', (_name, input, defaultRegistry, reference) => {
    expect(parseImageReference(input, defaultRegistry)).toEqual({ ok: true, reference });
  });

  it.each<[string, string, 'reference' | 'registry' | 'repository' | 'tag' | 'digest', RegExp]>([
    ['an empty reference', '', 'reference', /^is empty$/],
    [
      'no registry and no default',
      'myapp:1.0',
      'registry',
      /"myapp:1.0" names no registry \(e\.g\. myacr\.azurecr\.io\/myapp\)/,
    ],
    [
      'a registry host with an underscore',
      'my_acr.azurecr.io/myapp',
      'registry',
      /"my_acr\.azurecr\.io" is not a registry host\[:port\]/,
    ],
    ['a registry port that is not a number', 'localhost:http/myapp', 'registry', /localhost:http/],
    [
      'an uppercase repository',
      'myacr.azurecr.io/MyApp:1.0',
      'repository',
      /"MyApp" is not a repository name: use lowercase letters/,
    ],
    [
      'an uppercase nested component',
      'myacr.azurecr.io/team/Backend',
      'repository',
      /"team\/Backend" is not a repository name/,
    ],
    ['an empty repository', 'myacr.azurecr.io/', 'repository', /^is empty$/],
    ['an empty path component', 'myacr.azurecr.io/team//backend', 'repository', /team\/\/backend/],
    ['three underscores', 'myacr.azurecr.io/my___app', 'repository', /my___app/],
    ['two dots', 'myacr.azurecr.io/my..app', 'repository', /my\.\.app/],
    ['a leading separator', 'myacr.azurecr.io/-myapp', 'repository', /-myapp/],
    ['a trailing separator', 'myacr.azurecr.io/myapp-', 'repository', /myapp-/],
    [
      'a 256-character repository',
      `myacr.azurecr.io/${'a'.repeat(256)}`,
      'repository',
      /is 256 characters long; at most 255 are allowed/,
    ],
    [
      'a tag with a +',
      'myacr.azurecr.io/myapp:1.2.3+build',
      'tag',
      /"1\.2\.3\+build" is not a tag: start with a letter, digit or _/,
    ],
    ['a tag starting with .', 'myacr.azurecr.io/myapp:.hidden', 'tag', /"\.hidden" is not a tag/],
    ['a tag starting with -', 'myacr.azurecr.io/myapp:-rc1', 'tag', /"-rc1" is not a tag/],
    [
      'a 129-character tag',
      `myacr.azurecr.io/myapp:${TAG_128}x`,
      'tag',
      /is 129 characters long; at most 128 are allowed/,
    ],
    ['an empty tag', 'myacr.azurecr.io/myapp:', 'tag', /^is empty$/],
    [
      'a sha256 digest of 63 characters',
      `myacr.azurecr.io/myapp@sha256:${'a'.repeat(63)}`,
      'digest',
      /is not a valid sha256 digest: expected 64 lowercase hex characters/,
    ],
    [
      'a sha256 digest in uppercase hex',
      `myacr.azurecr.io/myapp@sha256:${'A'.repeat(64)}`,
      'digest',
      /is not a valid sha256 digest: expected 64 lowercase hex characters/,
    ],
    [
      'a sha512 digest of 64 characters',
      `myacr.azurecr.io/myapp@sha512:${'a'.repeat(64)}`,
      'digest',
      /is not a valid sha512 digest: expected 128 lowercase hex characters/,
    ],
    [
      'an unknown digest algorithm',
      'myacr.azurecr.io/myapp@md5:d41d8cd98f00b204e9800998ecf8427e',
      'digest',
      /uses the unsupported algorithm "md5": use sha256 or sha512/,
    ],
    [
      'a digest without an algorithm',
      'myacr.azurecr.io/myapp@latest',
      'digest',
      /"latest" is not a digest: expected algorithm:hex/,
    ],
    ['an empty digest', 'myacr.azurecr.io/myapp@', 'digest', /"" is not a digest/],
  ])('reports %s as a wrong %s', (_name, input, part, message) => {
    const parsed = parseImageReference(input);
    expect(parsed).toMatchObject({ ok: false, part });
    if (parsed.ok) return;
    expect(parsed.message).toMatch(message);
  });
});

describe('repositoryProblem', () => {
  it.each([
    'myapp',
    'team/backend',
    'a/b/c/d',
    'my.app',
    'my_app',
    'my__app',
    'my-app',
    'my---app',
    '0',
  ])('accepts %s', (name) => {
    expect(repositoryProblem(name)).toBeUndefined();
  });

  it.each([
    ['', /^is empty$/],
    ['MyApp', /"MyApp" is not a repository name/],
    ['team/', /"team\/" is not a repository name/],
    ['/team', /"\/team" is not a repository name/],
    ['my___app', /"my___app" is not a repository name/],
    ['my.-app', /"my\.-app" is not a repository name/],
    ['my app', /"my app" is not a repository name/],
    ['a'.repeat(256), /is 256 characters long; at most 255 are allowed/],
  ])('rejects %j', (name, message) => {
    expect(repositoryProblem(name)).toMatch(message);
  });
});

describe('tagProblem', () => {
  it.each(['latest', 'git-a1b2c3d', '1.2.3-rc1', '_private', 'V1.0', TAG_128])(
    'accepts %s',
    (tag) => {
      expect(tagProblem(tag)).toBeUndefined();
    },
  );

  it.each([
    ['', /^is empty$/],
    ['.dotfirst', /"\.dotfirst" is not a tag/],
    ['-dashfirst', /"-dashfirst" is not a tag/],
    ['1.2.3+build', /"1\.2\.3\+build" is not a tag/],
    ['a/b', /"a\/b" is not a tag/],
    ['a:b', /"a:b" is not a tag/],
    [`${TAG_128}x`, /is 129 characters long; at most 128 are allowed/],
  ])('rejects %j', (tag, message) => {
    expect(tagProblem(tag)).toMatch(message);
  });
});

describe('digestProblem', () => {
  it.each([SHA256, SHA512])('accepts %s', (digest) => {
    expect(digestProblem(digest)).toBeUndefined();
    expect(isDigest(digest)).toBe(true);
  });

  it.each([
    [
      'sha256 with 63 characters',
      `sha256:${'a'.repeat(63)}`,
      /expected 64 lowercase hex characters/,
    ],
    [
      'sha256 with 65 characters',
      `sha256:${'a'.repeat(65)}`,
      /expected 64 lowercase hex characters/,
    ],
    ['sha256 in uppercase hex', `sha256:${'A'.repeat(64)}`, /expected 64 lowercase hex characters/],
    [
      'sha256 with non-hex letters',
      `sha256:${'g'.repeat(64)}`,
      /expected 64 lowercase hex characters/,
    ],
    [
      'sha512 with 64 characters',
      `sha512:${'a'.repeat(64)}`,
      /expected 128 lowercase hex characters/,
    ],
    ['an unknown algorithm', `sha384:${'a'.repeat(96)}`, /unsupported algorithm "sha384"/],
    [
      'an uppercase algorithm',
      `SHA256:${'a'.repeat(64)}`,
      /is not a digest: expected algorithm:hex/,
    ],
    ['a bare hex string', 'a'.repeat(64), /is not a digest: expected algorithm:hex/],
    ['a git SHA', 'a1b2c3d', /is not a digest/],
    ['an empty string', '', /is not a digest/],
  ])('rejects %s', (_name, digest, message) => {
    expect(digestProblem(digest)).toMatch(message);
    expect(isDigest(digest)).toBe(false);
  });
});

describe('formatImageReference', () => {
  it.each([
    'myacr.azurecr.io/myapp',
    'myacr.azurecr.io/myapp:git-a1b2c3d',
    'localhost:5000/team/backend:1.2.3-rc1',
    `myacr.azurecr.io/myapp@${SHA256}`,
    `localhost:5000/team/backend:git-a1b2c3d@${SHA256}`,
  ])('round-trips %s', (input) => {
    const parsed = parseImageReference(input);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(formatImageReference(parsed.reference)).toBe(input);
  });

  it('spells out the default registry', () => {
    const parsed = parseImageReference('team/backend:1.0', 'myacr.azurecr.io');
    expect(parsed.ok && formatImageReference(parsed.reference)).toBe(
      'myacr.azurecr.io/team/backend:1.0',
    );
  });
});
