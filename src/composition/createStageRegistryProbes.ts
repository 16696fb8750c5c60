import type { TokenCredential } from '@azure/identity';
import { DOCTOR_REPOSITORY } from '../app/doctor/doctorReport.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { RegistrySignIn } from '../ports/imageCopier.js';
import type { StagePlace, StageRegistryProbe } from '../ports/doctorProbes.js';

/** What the doctor knows of the registries the pipeline declares (as `createServices` reads them). */
export interface DeclaredRegistries {
  readonly pipeline: Pipeline;
  /** How promoter signs in to each (`registrySignIns`), basic credentials included. */
  readonly signIns: ReadonlyMap<string, RegistrySignIn>;
  /** The ARM resource ids known, the build registry's included (`registryResourceIds`). */
  readonly resourceIds: ReadonlyMap<string, string>;
}

/**
 * One `StageRegistryProbe` per declared registry that some stage is kept in, signing in as the
 * declaration says (the app's identity for `azure`, the settings' user for `basic`), with each
 * stage's repository for the scratch repository and, where promotion into the stage is a
 * server-side import (source and target both ACRs with resource ids, signed in to with Azure
 * identity), the source's resource id; a probe of Resource Manager's permissions for each ACR
 * with a resource id. The registry SDK is imported only when there is such a registry.
 */
export async function createStageRegistryProbes(
  declared: DeclaredRegistries,
  build: { readonly registry: string | undefined; readonly signIn: 'azure' | 'anonymous' },
  credential: () => Promise<TokenCredential>,
  repository: string = DOCTOR_REPOSITORY,
): Promise<StageRegistryProbe[]> {
  const { pipeline, signIns, resourceIds } = declared;
  const kept = pipeline.registries.filter((d) =>
    pipeline.stages.some((s) => s.registry === d.loginServer),
  );
  if (kept.length === 0) return [];
  const { createAcrDoctorProbe } = await import('../adapters/acr/acrDoctorProbe.js');
  const { createArmPermissionsProbe } = await import('../adapters/arm/armPermissionsProbe.js');
  const signInOf = (server: string | undefined) =>
    server === undefined || server === build.registry ? build.signIn : signIns.get(server)?.kind;
  /** The resource id of `server` when an import can use it. */
  const importable = (server: string | undefined) => {
    const at = server ?? build.registry;
    return at !== undefined && signInOf(server) === 'azure' ? resourceIds.get(at) : undefined;
  };
  const probes: StageRegistryProbe[] = [];
  for (const declaration of kept) {
    const server = declaration.loginServer;
    const signIn = signIns.get(server);
    const targetId = importable(server);
    const stages: StagePlace[] = pipeline.stages
      .filter((s) => s.registry === server)
      .map((s) => {
        const from = s.from === undefined ? undefined : pipeline.stage(s.from)?.registry;
        const sourceId = targetId === undefined ? undefined : importable(from);
        return {
          stage: s.name,
          repository: s.repository.render(repository),
          ...(sourceId === undefined ? {} : { importSource: sourceId }),
        };
      });
    const azure = declaration.signIn === 'azure' ? await credential() : undefined;
    const probe = createAcrDoctorProbe({
      registry: server,
      credential: azure,
      basic:
        declaration.signIn === 'basic' && signIn?.kind === 'basic'
          ? {
              username: signIn.username,
              password: signIn.password,
              usernameSetting: declaration.usernameSetting,
            }
          : undefined,
      setting: `registries.${server}`,
      anonymousSetting: `registries.${server}.signIn`,
    });
    const resourceId = declaration.signIn === 'azure' ? declaration.resourceId : undefined;
    probes.push({
      ...probe,
      signIn: declaration.signIn,
      basicSettings:
        declaration.signIn === 'basic'
          ? {
              usernameSetting: declaration.usernameSetting,
              passwordSetting: declaration.passwordSetting,
            }
          : undefined,
      stages,
      resourceId,
      permissions:
        azure !== undefined && resourceId !== undefined
          ? createArmPermissionsProbe({ credential: azure })
          : undefined,
    });
  }
  return probes;
}
