import type { HttpHandler, HttpMethod } from '@azure/functions';
import type { ServicesProvider } from '../composition.js';
import { registryWebhook } from './registryWebhook.js';
import { repositoryBuilds } from './repositoryBuilds.js';

/** One entry point: its name, how it is triggered, and its handler. */
export interface FunctionEntry {
  readonly name: string;
  readonly trigger: {
    readonly type: 'http';
    readonly methods: readonly HttpMethod[];
    /** Route under `/api`, in Azure Functions route-template syntax (`{*path}` is a catch-all). */
    readonly route: string;
    /** `function`: Azure requires a function key (`?code=` or `x-functions-key`). */
    readonly authLevel: 'anonymous' | 'function' | 'admin';
  };
  readonly handler: HttpHandler;
}

/**
 * The single list of entry points. The Azure registration (`index.ts`) loops over it, the
 * local host serves it, and a test asserts it.
 */
export function functionTable(getServices: ServicesProvider): readonly FunctionEntry[] {
  return [
    {
      name: 'registryWebhook',
      trigger: { type: 'http', methods: ['POST'], route: 'hooks/registry', authLevel: 'function' },
      handler: registryWebhook(getServices),
    },
    {
      name: 'repositoryBuilds',
      trigger: {
        type: 'http',
        methods: ['GET'],
        route: 'repositories/{*path}',
        authLevel: 'function',
      },
      handler: repositoryBuilds(getServices),
    },
  ];
}
