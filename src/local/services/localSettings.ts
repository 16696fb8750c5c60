import path from 'node:path';

/** What `npm start` runs, from the environment (see docs/configuration.md). */
export interface LocalSettings {
  /** PROMOTER_LOCAL_PORT (7071): the function host. */
  hostPort: number;
  /** PROMOTER_LOCAL_REGISTRY_PORT (5000, or the port of a local PROMOTER_REGISTRY). */
  registryPort: number;
  /** PROMOTER_LOCAL_PRODUCTION_PORT (5001): the second local registry, "production". */
  productionPort: number;
  /** PROMOTER_LOCAL_TABLES_PORT (10002): Azurite's table service. */
  tablesPort: number;
  /** PROMOTER_LOCAL_STATE_DIR (`<project>/.promoter`): certificates, data, logs, pids. */
  stateDir: string;
  /** PROMOTER_REGISTRY when it names a registry that is not on this machine: none is started. */
  externalRegistry: string | undefined;
}

/**
 * Reads the local host's settings; throws an Error naming the variable when one is invalid.
 * `projectRoot` anchors the default state directory.
 */
export function readLocalSettings(env: NodeJS.ProcessEnv, projectRoot: string): LocalSettings {
  const registry = env.PROMOTER_REGISTRY?.trim() || undefined;
  const local = registry === undefined ? undefined : localRegistryPort(registry);
  const externalRegistry = registry !== undefined && local === undefined ? registry : undefined;
  return {
    hostPort: port(env, 'PROMOTER_LOCAL_PORT', 7071),
    registryPort: port(
      env,
      'PROMOTER_LOCAL_REGISTRY_PORT',
      typeof local === 'number' ? local : 5000,
    ),
    productionPort: port(env, 'PROMOTER_LOCAL_PRODUCTION_PORT', 5001),
    tablesPort: port(env, 'PROMOTER_LOCAL_TABLES_PORT', 10002),
    stateDir: path.resolve(
      env.PROMOTER_LOCAL_STATE_DIR?.trim() || path.join(projectRoot, '.promoter'),
    ),
    externalRegistry,
  };
}

/**
 * For a registry on this machine (`localhost`, `127.0.0.1`, `[::1]`): its port, or `true` when
 * it has none. Undefined for any other registry.
 */
export function localRegistryPort(registry: string): number | true | undefined {
  const match = /^(localhost|127\.0\.0\.1|\[::1\])(?::(\d+))?$/.exec(registry);
  if (match === null) return undefined;
  return match[2] === undefined ? true : Number(match[2]);
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  }
  return value;
}
