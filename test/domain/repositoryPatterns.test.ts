import { describe, expect, it } from 'vitest';
import {
  compileRepositoryPatterns,
  repositoryPatternsProblem,
} from '../../src/domain/repositoryPatterns.js';

describe('repository patterns', () => {
  it.each([
    ['**', 'team/api', true],
    ['**', 'myapp', true],
    ['team/*', 'team/api', true],
    ['team/*', 'team/api/worker', false],
    ['team/**', 'team/api/worker', true],
    ['team/*', 'teamx/api', false],
    ['myapp', 'myapp', true],
    ['myapp', 'myapp2', false],
    ['my.app', 'myxapp', false],
    ['web-*, team/*', 'web-front', true],
    ['web-*, team/*', 'other', false],
  ])('%s matches %s: %s', (patterns, repository, expected) => {
    expect(repositoryPatternsProblem(patterns)).toBeUndefined();
    expect(compileRepositoryPatterns(patterns).matches(repository)).toBe(expected);
  });

  it.each([
    ['team/*,,myapp', 'has an empty pattern'],
    ['Team/*', '"Team/*" is not a repository pattern'],
    ['team/?', '"team/?" is not a repository pattern'],
  ])('refuses %j: %s', (patterns, message) => {
    expect(repositoryPatternsProblem(patterns)).toContain(message);
  });
});
