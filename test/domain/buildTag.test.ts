import { describe, expect, it } from 'vitest';
import {
  type BuildTagPattern,
  compileBuildTagPattern,
  DEFAULT_BUILD_TAG,
} from '../../src/domain/buildTag.js';

function compile(source: string): BuildTagPattern {
  const compiled = compileBuildTagPattern(source);
  if (!compiled.ok) throw new Error(`expected ${source} to compile: ${compiled.message}`);
  return compiled.pattern;
}

const SHA40 = '0123456789abcdef0123456789abcdef01234567';

describe('the default build tag git-{sha}', () => {
  const pattern = compile(DEFAULT_BUILD_TAG);

  it('is git-{sha}', () => {
    expect(DEFAULT_BUILD_TAG).toBe('git-{sha}');
    expect(pattern.source).toBe('git-{sha}');
  });

  it.each([
    ['a 7-character SHA, the shortest', 'git-a1b2c3d', 'a1b2c3d'],
    ['a 12-character SHA', 'git-0123456789ab', '0123456789ab'],
    ['a 40-character SHA, the longest', `git-${SHA40}`, SHA40],
    ['a SHA of digits only', 'git-1234567', '1234567'],
  ])('recognises %s', (_name, tag, sha) => {
    expect(pattern.gitShaOf(tag)).toBe(sha);
  });

  it.each([
    ['a 6-character SHA', 'git-a1b2c3'],
    ['a 41-character SHA', `git-${SHA40}8`],
    ['an uppercase SHA', 'git-A1B2C3D'],
    ['a partly uppercase SHA', 'git-a1b2C3d'],
    ['letters beyond f', 'git-a1b2c3g'],
    ['no SHA', 'git-'],
    ['an uppercase prefix', 'GIT-a1b2c3d'],
    ['an underscore instead of the dash', 'git_a1b2c3d'],
    ['no dash', 'gita1b2c3d'],
    ['a longer prefix', 'xgit-a1b2c3d'],
    ['a suffix', 'git-a1b2c3d-dirty'],
    ['the bare SHA', 'a1b2c3d'],
    ['a stage tag', 'dev-latest'],
    ['a release tag', '1.2.3'],
  ])('does not take %s (%s) for a build tag', (_name, tag) => {
    expect(pattern.gitShaOf(tag)).toBeUndefined();
  });

  it('formats the build tag of a SHA', () => {
    expect(pattern.format('a1b2c3d')).toBe('git-a1b2c3d');
  });
});

describe('custom build tag patterns', () => {
  it.each([
    ['build-{sha}-linux', 'build-a1b2c3d-linux', 'a1b2c3d'],
    ['{sha}', 'a1b2c3d', 'a1b2c3d'],
    ['sha.{sha}', `sha.${SHA40}`, SHA40],
    ['v_{sha}', 'v_0a1b2c3', '0a1b2c3'],
  ])('%s recognises %s', (source, tag, sha) => {
    const pattern = compile(source);
    expect(pattern.gitShaOf(tag)).toBe(sha);
    expect(pattern.format(sha)).toBe(tag);
  });

  it.each([
    ['build-{sha}-linux', 'build-a1b2c3d'],
    ['build-{sha}-linux', 'build-a1b2c3d-linux-arm64'],
    ['build-{sha}-linux', 'git-a1b2c3d'],
    ['sha.{sha}', 'shaXa1b2c3d'],
  ])('%s does not take %s for a build tag', (source, tag) => {
    expect(compile(source).gitShaOf(tag)).toBeUndefined();
  });

  it.each([
    ['no placeholder', 'git', '"git" must contain {sha} and no other placeholder, e.g. git-{sha}'],
    [
      'another placeholder instead of {sha}',
      'v{version}',
      '"v{version}" must contain {sha} and no other placeholder, e.g. git-{sha}',
    ],
    [
      'another placeholder beside {sha}',
      '{version}-{sha}',
      '"{version}-{sha}" must contain {sha} and no other placeholder',
    ],
    [
      'an unknown placeholder',
      'git-{commit}',
      'unknown placeholder {commit}; allowed: {version}, {n}, {sha}',
    ],
    ['{sha} twice', '{sha}-{sha}', 'uses {sha} twice'],
    ['a character tags cannot hold', 'git+{sha}', '"git+" has characters a tag cannot hold'],
    ['a leading dash', '-{sha}', 'a tag cannot start with . or -'],
    ['nothing', '', 'is empty'],
  ])('refuses a pattern with %s (%s)', (_name, source, message) => {
    const compiled = compileBuildTagPattern(source);
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    expect(compiled.message).toContain(message);
  });
});
