import type { BuildLedger } from '../../ports/buildLedger.js';
import type { PromotionLedger } from '../../ports/promotionLedger.js';
import type { ReconcileMarks } from '../../ports/reconcileMarks.js';
import type { Registry } from '../../ports/registry.js';

/** Requests a reconcile run made, counted at the ports. */
export interface RequestCounts {
  registry: number;
  ledger: number;
}

/**
 * `port` with every call counted once in `counts[kind]`. Each ledger operation is one request
 * to Table Storage unless it pages or retries a lost race; the registry's are one request each
 * (see `Registry`), its listings counted by the pages they report.
 */
function countEveryCall<T extends object>(port: T, count: () => void): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        count();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** `registry` with each request it makes counted in `counts.registry`. */
function countedRegistry(registry: Registry, counts: RequestCounts): Registry {
  const single = countEveryCall(registry, () => {
    counts.registry += 1;
  });
  return {
    getManifest: (repository, digest) => single.getManifest(repository, digest),
    getBlob: (repository, digest) => single.getBlob(repository, digest),
    resolveTag: (repository, tag) => single.resolveTag(repository, tag),
    putManifest: (repository, tag, manifest) => single.putManifest(repository, tag, manifest),
    lockTag: (repository, tag) => single.lockTag(repository, tag),
    deleteManifest: (repository, digest) => single.deleteManifest(repository, digest),
    listRepositories: async () => {
      const listed = await registry.listRepositories();
      counts.registry += listed.requests;
      return listed;
    },
    listReferrers: async (repository, digest) => {
      const listing = await registry.listReferrers(repository, digest);
      counts.registry += listing.requests;
      return listing;
    },
    listTags: async (repository, options) => {
      const listing = await registry.listTags(repository, options);
      counts.registry += listing.requests;
      return listing;
    },
  };
}

/**
 * The ports a run uses, counting what they ask of the registries (the build registry's and
 * each declared one a stage keeps its tags in) and the ledger.
 */
export function countedPorts(
  ports: {
    readonly registry: Registry;
    readonly registryAt?: ((loginServer: string) => Registry) | undefined;
    readonly ledger: BuildLedger;
    readonly promotions: PromotionLedger;
    readonly marks: ReconcileMarks;
  },
  counts: RequestCounts,
) {
  const toLedger = () => {
    counts.ledger += 1;
  };
  const { registryAt } = ports;
  return {
    registry: countedRegistry(ports.registry, counts),
    ...(registryAt === undefined
      ? {}
      : { registryAt: (server: string) => countedRegistry(registryAt(server), counts) }),
    ledger: countEveryCall(ports.ledger, toLedger),
    promotions: countEveryCall(ports.promotions, toLedger),
    marks: countEveryCall(ports.marks, toLedger),
  };
}
