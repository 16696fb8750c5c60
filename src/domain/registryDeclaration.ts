import { z } from 'zod';
import { strictObject } from './strictObject.js';

/*
 * The pipeline file's `registries`: each registry promoter writes stage tags in, other than the
 * one builds are pushed to (`PROMOTER_REGISTRY`), declared once by its login server with how
 * promoter signs in to it. Pure: the credentials are settings, read by the composition.
 */

/** A login server: `host[:port]`, lowercase, no scheme or path (`prodacr.azurecr.io`, `localhost:5001`). */
export const loginServer = z
  .string()
  .regex(
    /^(?:localhost|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::[0-9]{1,5})?$/,
    'a registry is its login server: host[:port] in lowercase, without scheme or path, e.g. prodacr.azurecr.io or localhost:5001',
  );

/** An app setting's name (`PROD_REGISTRY_PASSWORD`): letters, digits and _, not starting with a digit. */
const settingName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'a setting name is letters, digits and _, not starting with a digit, e.g. PROD_REGISTRY_PASSWORD',
  );

/** `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ContainerRegistry/registries/<name>`. */
const RESOURCE_ID =
  /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w.()]{1,90})\/providers\/Microsoft\.ContainerRegistry\/registries\/([a-zA-Z0-9]{5,50})$/i;

/** The parts of an ACR's ARM resource id, or undefined when it is not one. */
export function parseRegistryResourceId(
  id: string,
): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const match = RESOURCE_ID.exec(id);
  if (!match) return undefined;
  const [, subscriptionId = '', resourceGroup = '', name = ''] = match;
  return { subscriptionId, resourceGroup, name };
}

/** An ACR's ARM resource id, checked (`parseRegistryResourceId`). */
export const registryResourceId = z
  .string()
  .refine(
    (id) => parseRegistryResourceId(id) !== undefined,
    'an Azure Container Registry resource id is /subscriptions/<subscription id>/resourceGroups/<resource group>/providers/Microsoft.ContainerRegistry/registries/<registry name>',
  );

export const SIGN_IN_KINDS = ['azure', 'anonymous', 'basic'] as const;

const registryFields = strictObject({
  signIn: z
    .enum(SIGN_IN_KINDS, {
      error: (issue) =>
        issue.input === undefined
          ? 'say how promoter signs in to this registry: azure (managed identity), anonymous or basic (usernameSetting and passwordSetting)'
          : `signIn is one of ${SIGN_IN_KINDS.join(', ')}`,
    })
    .describe(
      'How promoter signs in: azure (its managed identity; an Azure Container Registry), anonymous, or basic (a username and password from the settings named by usernameSetting and passwordSetting).',
    ),
  usernameSetting: settingName
    .optional()
    .describe('For basic: the app setting holding the username, e.g. PROD_REGISTRY_USERNAME.'),
  passwordSetting: settingName
    .optional()
    .describe(
      'For basic: the app setting holding the password or token, e.g. PROD_REGISTRY_PASSWORD (in Azure a Key Vault reference).',
    ),
  resourceId: registryResourceId
    .optional()
    .describe(
      'For azure: the registry’s Azure Resource Manager id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ContainerRegistry/registries/<name>. With it (and the build registry’s), promotion copies by server-side import (az acr import) instead of through the function.',
    ),
});

/** One entry of `registries`, with the fields `signIn` needs and no others. */
export const registryDeclarationSchema = registryFields.superRefine((r, ctx) => {
  for (const field of ['usernameSetting', 'passwordSetting'] as const) {
    if (r.signIn === 'basic' && r[field] === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `basic sign-in needs ${field}: the name of the app setting that holds the ${field === 'usernameSetting' ? 'username' : 'password'}`,
      });
    if (r.signIn !== 'basic' && r[field] !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `${field} is for signIn basic; this registry signs in as ${r.signIn}`,
      });
  }
  if (r.signIn !== 'azure' && r.resourceId !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['resourceId'],
      message: `resourceId is for signIn azure (an Azure Container Registry); this registry signs in as ${r.signIn}`,
    });
});

/** A declared registry, compiled. */
export type RegistryDeclaration =
  | {
      readonly loginServer: string;
      readonly signIn: 'azure';
      /** Its ARM resource id, when given: copies between two such ACRs are server-side imports. */
      readonly resourceId?: string | undefined;
    }
  | { readonly loginServer: string; readonly signIn: 'anonymous' }
  | {
      readonly loginServer: string;
      readonly signIn: 'basic';
      readonly usernameSetting: string;
      readonly passwordSetting: string;
    };

/** Compiles one validated entry of `registries`. */
export function compileRegistryDeclaration(
  server: string,
  entry: z.output<typeof registryDeclarationSchema>,
): RegistryDeclaration {
  if (entry.signIn === 'azure')
    return {
      loginServer: server,
      signIn: 'azure',
      ...(entry.resourceId === undefined ? {} : { resourceId: entry.resourceId }),
    };
  if (entry.signIn === 'anonymous') return { loginServer: server, signIn: 'anonymous' };
  const { usernameSetting, passwordSetting } = entry;
  if (usernameSetting === undefined || passwordSetting === undefined)
    throw new Error(`registry ${server}: basic sign-in without settings`); // unreachable: validated
  return { loginServer: server, signIn: 'basic', usernameSetting, passwordSetting };
}
