import { describe, expect, it } from 'vitest';
import {
  type Placeholder,
  parseTagTemplate,
  type TagTemplate,
} from '../../src/domain/tagTemplate.js';

function template(source: string): TagTemplate {
  const parsed = parseTagTemplate(source);
  if (!parsed.ok) throw new Error(`expected ${source} to parse: ${parsed.message}`);
  return parsed.template;
}

describe('parseTagTemplate', () => {
  it.each<[string, Placeholder[]]>([
    ['dev-latest', []],
    ['{version}', ['version']],
    ['{version}-rc{n}', ['version', 'n']],
    ['v{version}', ['version']],
    ['sha-{sha}', ['sha']],
    ['{version}_build.{sha}', ['version', 'sha']],
    ['_internal', []],
  ])('accepts %s with placeholders %j', (source, placeholders) => {
    const parsed = template(source);
    expect(parsed.source).toBe(source);
    expect([...parsed.placeholders].sort()).toEqual([...placeholders].sort());
  });

  it.each([
    [
      'an unknown placeholder',
      '{semver}-rc{n}',
      'unknown placeholder {semver}; allowed: {version}, {n}, {sha}',
    ],
    [
      'a capitalised placeholder',
      '{Version}',
      'unknown placeholder {Version}; allowed: {version}, {n}, {sha}',
    ],
    ['an empty placeholder', 'v{}', 'unknown placeholder {}; allowed: {version}, {n}, {sha}'],
    ['a placeholder used twice', '{version}-{version}', 'uses {version} twice'],
    ['a +, which tags cannot hold', '{version}+build', '"+build" has characters a tag cannot hold'],
    ['a space', 'release {version}', '"release " has characters a tag cannot hold'],
    ['a slash', 'rc/{n}', '"rc/" has characters a tag cannot hold'],
    ['an unclosed brace', '{version', '"{version" has characters a tag cannot hold'],
    ['a leading dot', '.{version}', 'a tag cannot start with . or -'],
    ['a leading dash', '-rc{n}', 'a tag cannot start with . or -'],
    ['nothing', '', 'is empty'],
  ])('refuses %s (%s)', (_name, source, message) => {
    const parsed = parseTagTemplate(source);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.message).toContain(message);
  });
});

describe('TagTemplate.render', () => {
  it.each<[string, Partial<Record<Placeholder, string | number>>, string]>([
    ['dev-latest', {}, 'dev-latest'],
    ['{version}', { version: '1.2.3' }, '1.2.3'],
    ['{version}-rc{n}', { version: '1.2.3', n: 2 }, '1.2.3-rc2'],
    ['{version}-rc{n}', { version: '2.0.0-beta.1', n: 10 }, '2.0.0-beta.1-rc10'],
    ['git-{sha}', { sha: 'a1b2c3d' }, 'git-a1b2c3d'],
  ])('renders %s with %j as %s', (source, values, tag) => {
    expect(template(source).render(values)).toBe(tag);
  });

  it('names the template and the placeholder it is missing', () => {
    expect(() => template('{version}-rc{n}').render({ version: '1.2.3' })).toThrow(
      'tag template {version}-rc{n} needs {n}',
    );
  });
});

describe('TagTemplate.pattern', () => {
  it.each<[string, string, Record<string, string>]>([
    ['dev-latest', 'dev-latest', {}],
    ['{version}', '1.2.3', { version: '1.2.3' }],
    ['{version}', '1.2.3-beta.1', { version: '1.2.3-beta.1' }],
    ['{version}-rc{n}', '1.2.3-rc2', { version: '1.2.3', n: '2' }],
    ['{version}-rc{n}', '10.20.30-rc15', { version: '10.20.30', n: '15' }],
    ['{version}-rc{n}', '1.2.3-beta.1-rc3', { version: '1.2.3-beta.1', n: '3' }],
    ['v{version}', 'v1.0.0', { version: '1.0.0' }],
    ['git-{sha}', 'git-a1b2c3d', { sha: 'a1b2c3d' }],
  ])('%s matches %s, capturing %j', (source, tag, captures) => {
    const match = template(source).pattern.exec(tag);
    expect(match).not.toBeNull();
    expect({ ...match?.groups }).toEqual(captures);
  });

  it.each([
    ['dev-latest', 'dev-latest2', 'anything after the literal'],
    ['dev-latest', 'xdev-latest', 'anything before the literal'],
    ['dev.latest', 'devXlatest', 'a dot matching any character'],
    ['{version}', '1.2', 'a version without a patch number'],
    ['{version}', 'v1.2.3', 'a prefix the template does not have'],
    ['{version}-rc{n}', '1.2.3-rc0', 'rc number 0'],
    ['{version}-rc{n}', '1.2.3-rc01', 'an rc number with a leading zero'],
    ['{version}-rc{n}', '1.2.3', 'a release tag'],
    ['git-{sha}', 'git-A1B2C3D', 'an uppercase SHA'],
  ])('%s does not match %s (%s)', (source, tag) => {
    expect(template(source).pattern.test(tag)).toBe(false);
  });

  it.each([
    ['{version}-rc{n}', { version: '1.2.3', n: 4 }],
    ['{version}', { version: '3.0.0-alpha.2' }],
    ['build-{sha}-linux', { sha: '0123456789abcdef0123456789abcdef01234567' }],
  ])('matches what it renders: %s', (source, values) => {
    const parsed = template(source);
    const match = parsed.pattern.exec(parsed.render(values));
    expect({ ...match?.groups }).toEqual(
      Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])),
    );
  });
});
