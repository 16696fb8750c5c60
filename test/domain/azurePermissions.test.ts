import { describe, expect, it } from 'vitest';
import {
  IMPORT_ACTION,
  actionMatches,
  allowsAction,
  type AzurePermission,
} from '../../src/domain/azurePermissions.js';

const entry = (actions: string[], notActions: string[] = []): AzurePermission => ({
  actions,
  notActions,
  dataActions: [],
  notDataActions: [],
});

describe('an Azure role action pattern', () => {
  it.each([
    ['*', IMPORT_ACTION, true],
    ['Microsoft.ContainerRegistry/*', IMPORT_ACTION, true],
    ['microsoft.containerregistry/registries/importimage/action', IMPORT_ACTION, true],
    ['Microsoft.ContainerRegistry/registries/*/action', IMPORT_ACTION, true],
    ['*/read', 'Microsoft.ContainerRegistry/registries/pull/read', true],
    ['*/read', IMPORT_ACTION, false],
    ['Microsoft.ContainerRegistry/registries/pull/read', IMPORT_ACTION, false],
    ['Microsoft.ContainerRegistry/registries/importImage', IMPORT_ACTION, false],
    ['Microsoft.Storage/*', IMPORT_ACTION, false],
    ['Microsoft.ContainerRegistry/registries.importImage/action', IMPORT_ACTION, false],
  ])('%s covers %s: %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });
});

describe('whether permissions allow an action', () => {
  it.each([
    ['Owner-like: every action', [entry(['*'])], true],
    [
      'Contributor: every action but authorization writes',
      [entry(['*'], ['Microsoft.Authorization/*/Write'])],
      true,
    ],
    [
      'Container Registry Data Importer and Data Reader',
      [
        entry([
          IMPORT_ACTION,
          'Microsoft.ContainerRegistry/registries/read',
          'Microsoft.ContainerRegistry/registries/pull/read',
        ]),
      ],
      true,
    ],
    [
      'AcrPush: pull and push only',
      [
        entry([
          'Microsoft.ContainerRegistry/registries/pull/read',
          'Microsoft.ContainerRegistry/registries/push/write',
        ]),
      ],
      false,
    ],
    [
      'a role that grants and excludes it',
      [
        entry(
          ['Microsoft.ContainerRegistry/*'],
          ['Microsoft.ContainerRegistry/registries/importImage/*'],
        ),
      ],
      false,
    ],
    [
      "one role's notActions do not take away another's actions",
      [entry(['Microsoft.ContainerRegistry/*'], [IMPORT_ACTION]), entry([IMPORT_ACTION])],
      true,
    ],
    ['no role at all', [], false],
  ])('%s', (_name, permissions, expected) => {
    expect(allowsAction(permissions, IMPORT_ACTION)).toBe(expected);
  });
});
