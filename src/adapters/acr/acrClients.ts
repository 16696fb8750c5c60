import {
  ContainerRegistryClient,
  ContainerRegistryContentClient,
  type ContainerRegistryClientOptions,
} from '@azure/container-registry';
import type { TokenCredential } from '@azure/identity';

/**
 * The content client's typings require a credential, yet at run time it goes anonymous without
 * one (its token exchange tests `!credential`; with no challenge it sends no Authorization).
 * A stand-in object would instead be asked for a token on the first 401 challenge.
 */
const ANONYMOUS = undefined as unknown as TokenCredential;

/**
 * The SDK clients of one registry, each created on first use and reused. Per repository:
 * each SDK client caches one ACR access token, scoped to the repository of its last auth
 * challenge, so a shared client would re-authenticate on every switch.
 */
export interface AcrClients {
  /** Manifests: get, put and delete (any distribution registry). */
  readonly content: (repository: string) => ContainerRegistryContentClient;
  /** ACR's own `/acr/v1/` API: tag properties and locks. */
  readonly acr: (repository: string) => ContainerRegistryClient;
}

/** The clients for `endpoint` (`https://host[:port]`); without a credential, anonymous. */
export function createAcrClients(
  endpoint: string,
  credential: TokenCredential | undefined,
  options: ContainerRegistryClientOptions,
): AcrClients {
  const contentClients = new Map<string, ContainerRegistryContentClient>();
  const acrClients = new Map<string, ContainerRegistryClient>();
  return {
    content: (repository) =>
      cached(
        contentClients,
        repository,
        () =>
          new ContainerRegistryContentClient(
            endpoint,
            repository,
            credential ?? ANONYMOUS,
            options,
          ),
      ),
    acr: (repository) =>
      cached(acrClients, repository, () =>
        credential
          ? new ContainerRegistryClient(endpoint, credential, options)
          : new ContainerRegistryClient(endpoint, options),
      ),
  };
}

function cached<T>(clients: Map<string, T>, repository: string, create: () => T): T {
  let client = clients.get(repository);
  if (!client) {
    client = create();
    clients.set(repository, client);
  }
  return client;
}
