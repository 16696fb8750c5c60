import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../src/local/matchRoute.js';

describe('matchRoute', () => {
  it.each([
    ['hooks/registry', 'hooks/registry', {}],
    ['hooks/registry', 'HOOKS/registry', {}],
    ['hooks/registry', 'hooks/registry/x', undefined],
    ['hooks/registry', 'hooks', undefined],
    [
      'repositories/{*path}',
      'repositories/team/backend/builds/a1b2c3d',
      { path: 'team/backend/builds/a1b2c3d' },
    ],
    ['repositories/{*path}', 'repositories', undefined],
    ['items/{id}', 'items/42', { id: '42' }],
    ['api/hooks/registry', 'api/hooks/registry', {}],
    ['api/hooks/registry', 'hooks/registry', undefined],
    ['{ignored:maxlength(0)?}', '', {}],
    ['{ignored:maxlength(0)?}', 'x', undefined],
    ['{ignored:maxlength(0)?}', 'api/approvals', undefined],
    ['{page?}', '', {}],
    ['{page?}', 'two', { page: 'two' }],
    ['{page:unknown(1)?}', 'two', undefined],
  ])('%s against %s', (template, path, expected) => {
    expect(matchRoute(template, path)).toEqual(expected);
  });
});
