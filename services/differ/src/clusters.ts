import type { Application } from '@flotilla/api';
import type { BusPublisher } from '@flotilla/bus';
import { ClusterCache, ClusterRegistry, type KubeConfig } from '@flotilla/kube';
import type { AppliedMarks, ClusterReport } from '@flotilla/render';
import type { Logger } from '@flotilla/runtime';
import { watchDrift } from './drift.js';

/** One destination cluster as the differ sees it. */
export interface DifferCluster {
  /** The cluster's name (from its Secret, or `in-cluster`) and server URL, for messages. */
  readonly name: string;
  readonly server: string;
  readonly kc: KubeConfig;
  readonly cache: ClusterCache;
}

/**
 * Destination clusters with one watch cache each, made when an app first
 * needs it; every cache feeds drift events of its managed objects to the bus.
 * When a cluster stops answering, or answers again, every app compared
 * against it is compared once more, so its status says so at once.
 */
export function differClusters(deps: {
  kc: KubeConfig;
  namespace: string;
  /** Whether apps of a namespace are served, so drift of their resources counts. */
  servesApp: (namespace: string) => boolean;
  bus: BusPublisher;
  logger: Logger;
  driftDebounceMs: number;
  /** What the applier's syncs applied: their own watch events are not drift. */
  applied?: AppliedMarks;
  /** Told when a cluster stops answering or answers again. */
  reachabilityChanged?: () => void;
}) {
  const registry = new ClusterRegistry(deps.kc, deps.namespace);
  const caches = new Map<
    string,
    DifferCluster & {
      stop: () => void;
      apps: Map<string, { namespace: string; name: string }>;
      lastError?: { message: string; at: string };
    }
  >();
  return {
    /** The destination's name and server, from the cluster Secrets; watches nothing. */
    async resolve(app: Application): Promise<{ name: string; server: string; project?: string }> {
      const t = await registry.resolve(app.spec?.destination);
      return { name: t.name, server: t.server, ...(t.project ? { project: t.project } : {}) };
    },
    async clusterFor(app: Application): Promise<DifferCluster> {
      const target = await registry.resolve(app.spec?.destination);
      let entry = caches.get(target.server);
      if (!entry) {
        const cache = new ClusterCache(target.kc, (err, kind) =>
          deps.logger.warn({ err: err.message, kind, cluster: target.name }, 'watch trouble'),
        );
        const stopDrift = watchDrift(
          cache,
          deps.servesApp,
          deps.driftDebounceMs,
          (a, resources, reason) => {
            deps.bus
              .command({ version: 1, kind: 'diff', app: a, reason, resources })
              .catch((err: Error) =>
                deps.logger.warn({ err: err.message }, 'could not publish drift'),
              );
          },
          deps.applied ? (key, rv) => deps.applied!.leftAt(target.server, key, rv) : undefined,
        );
        const apps = new Map<string, { namespace: string; name: string }>();
        const cluster = { cluster: target.name, server: target.server };
        const stopReachability = cache.onReachability((down) => {
          if (down) {
            deps.logger.warn({ ...cluster, err: down.error.message }, 'cluster unreachable');
            const known = caches.get(target.server);
            if (known)
              known.lastError = { message: down.error.message, at: down.since.toISOString() };
          } else deps.logger.info(cluster, 'cluster reachable again');
          deps.reachabilityChanged?.();
          const reason = down
            ? `cluster ${target.name} unreachable`
            : `cluster ${target.name} reachable again`;
          for (const a of apps.values()) {
            deps.bus
              .command({ version: 1, kind: 'diff', app: a, reason })
              .catch((err: Error) =>
                deps.logger.warn({ err: err.message }, 'could not ask for a comparison'),
              );
          }
        });
        entry = {
          name: target.name,
          server: target.server,
          kc: target.kc,
          cache,
          apps,
          stop: () => {
            stopReachability();
            stopDrift();
            cache.stop();
          },
        };
        caches.set(target.server, entry);
      }
      const ref = { namespace: app.metadata?.namespace ?? '', name: app.metadata?.name ?? '' };
      entry.apps.set(`${ref.namespace}/${ref.name}`, ref);
      return entry;
    },
    /** Each cluster's cache as `flotilla cluster` shows it: size, reachability, last error. */
    reports(intervalMs: number, now = new Date()): ClusterReport[] {
      return [...caches.values()].map((c) => {
        const down = c.cache.unreachable();
        const last = down
          ? { message: down.error.message, at: down.since.toISOString() }
          : c.lastError;
        const stats = c.cache.stats();
        return {
          name: c.name,
          server: c.server,
          resources: stats.objects,
          kinds: stats.kinds,
          reachable: !down,
          ...(last ? { lastError: last.message, lastErrorAt: last.at } : {}),
          reportedAt: now.toISOString(),
          intervalMs,
        };
      });
    },
    /** Forgets an app that no longer exists: its clusters' transitions no longer concern it. */
    forget(app: { namespace: string; name: string }): void {
      for (const c of caches.values()) c.apps.delete(`${app.namespace}/${app.name}`);
    },
    stop(): void {
      for (const c of caches.values()) c.stop();
      caches.clear();
    },
  };
}
