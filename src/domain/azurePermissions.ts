/*
 * Azure role-based access control, as Resource Manager reports a caller's effective rights on a
 * resource (`GET <resource id>/providers/Microsoft.Authorization/permissions`): a list of
 * entries, one per role assignment, each granting its `actions` except its `notActions`. Pure.
 */

/** One entry of the caller's permissions on a resource. */
export interface AzurePermission {
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly dataActions: readonly string[];
  readonly notDataActions: readonly string[];
  /** An ABAC condition on the entry, when there is one (Resource Manager does not evaluate it here). */
  readonly condition?: string | undefined;
}

/** The action a server-side import needs on the target registry. */
export const IMPORT_ACTION = 'Microsoft.ContainerRegistry/registries/importImage/action';

/**
 * The actions checked on an import's source registry: those of the role Microsoft names for it
 * (Container Registry Data Importer and Data Reader) that reading a registry takes. Microsoft
 * does not say which one the import service checks; a real import is the only proof.
 */
export const IMPORT_SOURCE_ACTIONS = [
  'Microsoft.ContainerRegistry/registries/read',
  'Microsoft.ContainerRegistry/registries/pull/read',
] as const;

/**
 * Whether an action pattern of a role (`*`, `Microsoft.ContainerRegistry/*`,
 * `Microsoft.ContainerRegistry/registries/*\/read`) covers `action`. Operation names are
 * case-insensitive; `*` stands for any run of characters, `/` included.
 */
export function actionMatches(pattern: string, action: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(action);
}

/**
 * Whether the permissions allow a control-plane `action`: some entry lists it among its actions
 * and not among its own notActions (an entry's notActions subtract from that entry only).
 * Conditions are not evaluated: an entry with one counts as allowing (say so to the user).
 */
export function allowsAction(permissions: readonly AzurePermission[], action: string): boolean {
  return permissions.some(
    (p) =>
      p.actions.some((a) => actionMatches(a, action)) &&
      !p.notActions.some((a) => actionMatches(a, action)),
  );
}
