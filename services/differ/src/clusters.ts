import type { Application } from '@flotilla/api';
import type { BusPublisher } from '@flotilla/bus';
import { ClusterCache, ClusterRegistry, type KubeConfig } from '@flotilla/kube';
import type { Logger } from '@flotilla/runtime';
import { watchDrift } from './drift.js';

/** One destination cluster as the differ sees it. */
export interface DifferCluster {
  readonly kc: KubeConfig;
  readonly cache: ClusterCache;
}

/**
 * Destination clusters with one watch cache each, made when an app first
 * needs it; every cache feeds drift events of its managed objects to the bus.
 */
export function differClusters(deps: {
  kc: KubeConfig;
  namespace: string;
  bus: BusPublisher;
  logger: Logger;
  driftDebounceMs: number;
}) {
  const registry = new ClusterRegistry(deps.kc, deps.namespace);
  const caches = new Map<string, DifferCluster & { stopDrift: () => void }>();
  return {
    async clusterFor(app: Application): Promise<DifferCluster> {
      const target = await registry.resolve(app.spec?.destination);
      let entry = caches.get(target.server);
      if (!entry) {
        const cache = new ClusterCache(target.kc, (err, kind) =>
          deps.logger.warn({ err: err.message, kind, cluster: target.name }, 'watch trouble'),
        );
        const stopDrift = watchDrift(
          cache,
          deps.namespace,
          deps.driftDebounceMs,
          (a, resources, reason) => {
            deps.bus
              .command({ version: 1, kind: 'diff', app: a, reason, resources })
              .catch((err: Error) =>
                deps.logger.warn({ err: err.message }, 'could not publish drift'),
              );
          },
        );
        entry = { kc: target.kc, cache, stopDrift };
        caches.set(target.server, entry);
      }
      return entry;
    },
    stop(): void {
      for (const c of caches.values()) {
        c.stopDrift();
        c.cache.stop();
      }
      caches.clear();
    },
  };
}
