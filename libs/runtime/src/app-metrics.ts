// Per-app and per-cluster metrics. Per app, a fixed handful of series (see
// docs/observability.md for the count); histograms are never per app. Label
// values that come from users or errors are bounded before they get here
// (failure reasons are a closed set, kinds and hosts are what the cluster and
// the repositories have).
import { Counter, Gauge, Histogram, register } from 'prom-client';

// Seconds a call to a Git remote or a chart source may take: from a cached answer to a timeout.
const REMOTE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * A gauge whose series its `collect` makes at each scrape, forgotten once
 * the scrape has read them: held until the next scrape, the per-app series
 * of 10,000 apps were 6 MiB of a role's heap that no reader needed.
 */
class ScrapedGauge<T extends string> extends Gauge<T> {
  override async get() {
    try {
      return await super.get();
    } finally {
      this.reset();
    }
  }
}

/** One app as the per-app gauges show it. */
export interface AppMetricRow {
  readonly namespace: string;
  readonly name: string;
  readonly project: string;
  readonly repo: string;
  readonly destServer: string;
  readonly destNamespace: string;
  readonly syncStatus: string;
  readonly healthStatus: string;
  /** Phase of the current or last operation, '' when none. */
  readonly operation: string;
  /** Unix seconds of the last successful sync, when there was one. */
  readonly lastSyncSuccess?: number;
}

let appSource: (() => readonly AppMetricRow[]) | undefined;
/** Sets where the per-app gauges read apps at scrape time (the differ's informer); returns an unregister function. */
export function registerAppSource(source: () => readonly AppMetricRow[]): () => void {
  appSource = source;
  return () => {
    if (appSource === source) appSource = undefined;
  };
}

/** What one cluster's cache reports at scrape time. */
export interface ClusterProbe {
  readonly resources: number;
  readonly reachable: boolean;
}
const clusterProbes = new Map<string, () => ClusterProbe>();
/** Registers a cluster's cache by server URL; returns an unregister function. */
export function registerClusterProbe(server: string, probe: () => ClusterProbe): () => void {
  clusterProbes.set(server, probe);
  return () => {
    if (clusterProbes.get(server) === probe) clusterProbes.delete(server);
  };
}

const APP_LABELS = [
  'namespace',
  'name',
  'project',
  'repo',
  'dest_server',
  'dest_namespace',
  'sync_status',
  'health_status',
  'operation',
] as const;

/** Per-app and per-cluster metrics, registered once per process. */
export const appMetrics = {
  info: once(
    'flotilla_app_info',
    () =>
      new ScrapedGauge({
        name: 'flotilla_app_info',
        help: 'One series per Application (value 1) with its project, repository, destination, sync and health status and operation phase.',
        labelNames: APP_LABELS,
        collect() {
          this.reset();
          for (const a of appSource?.() ?? [])
            this.set(
              {
                namespace: a.namespace,
                name: a.name,
                project: a.project,
                repo: a.repo,
                dest_server: a.destServer,
                dest_namespace: a.destNamespace,
                sync_status: a.syncStatus,
                health_status: a.healthStatus,
                operation: a.operation,
              },
              1,
            );
        },
      }),
  ),
  lastSyncSuccess: once(
    'flotilla_app_last_sync_success_timestamp_seconds',
    () =>
      new ScrapedGauge({
        name: 'flotilla_app_last_sync_success_timestamp_seconds',
        help: 'Unix time of the last sync that ended Succeeded, per app (absent before the first).',
        labelNames: ['namespace', 'name'],
        collect() {
          this.reset();
          for (const a of appSource?.() ?? [])
            if (a.lastSyncSuccess !== undefined)
              this.set({ namespace: a.namespace, name: a.name }, a.lastSyncSuccess);
        },
      }),
  ),
  syncs: once(
    'flotilla_app_sync_total',
    () =>
      new Counter({
        name: 'flotilla_app_sync_total',
        help: 'Sync operations finished per app, by phase (Succeeded, Failed, Error).',
        labelNames: ['namespace', 'name', 'project', 'phase'],
      }),
  ),
  syncSeconds: once(
    'flotilla_app_sync_duration_seconds_total',
    () =>
      new Counter({
        name: 'flotilla_app_sync_duration_seconds_total',
        help: 'Seconds spent in finished sync operations per app; divide by flotilla_app_sync_total for the mean.',
        labelNames: ['namespace', 'name'],
      }),
  ),
  drift: once(
    'flotilla_app_drift_events_total',
    () =>
      new Counter({
        name: 'flotilla_app_drift_events_total',
        help: 'Times live state was seen moving away from Git, per app.',
        labelNames: ['namespace', 'name'],
      }),
  ),
  reconcileSeconds: once(
    'flotilla_app_reconcile_seconds',
    () =>
      new Histogram({
        name: 'flotilla_app_reconcile_seconds',
        help: 'Time to compare one app with its cluster (render lookup, live state, dry runs, diff, health, status), by destination server.',
        labelNames: ['dest_server'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      }),
  ),
  syncFailures: once(
    'flotilla_sync_failures_total',
    () =>
      new Counter({
        name: 'flotilla_sync_failures_total',
        help: 'Sync operations that ended Failed or Error, by a bounded reason (see docs/observability.md).',
        labelNames: ['reason'],
      }),
  ),
  kubeRequests: once(
    'flotilla_kube_api_requests_total',
    () =>
      new Counter({
        name: 'flotilla_kube_api_requests_total',
        help: 'Requests to a Kubernetes apiserver, by server, verb, resource kind and response code (0: no response).',
        labelNames: ['server', 'verb', 'kind', 'code'],
      }),
  ),
  watchRestarts: once(
    'flotilla_cluster_watch_restarts_total',
    () =>
      new Counter({
        name: 'flotilla_cluster_watch_restarts_total',
        help: 'Watches of the live-state cache that ended with an error and were started again, per cluster.',
        labelNames: ['server'],
      }),
  ),
  cached: once(
    'flotilla_cluster_cache_resources',
    () =>
      new Gauge({
        name: 'flotilla_cluster_cache_resources',
        help: 'Objects held in the live-state cache, per cluster.',
        labelNames: ['server'],
        collect() {
          this.reset();
          for (const [server, probe] of clusterProbes) this.set({ server }, probe().resources);
        },
      }),
  ),
  reachable: once(
    'flotilla_cluster_reachable',
    () =>
      new Gauge({
        name: 'flotilla_cluster_reachable',
        help: '1 while the cluster answers, 0 while it is unreachable.',
        labelNames: ['server'],
        collect() {
          this.reset();
          for (const [server, probe] of clusterProbes)
            this.set({ server }, probe().reachable ? 1 : 0);
        },
      }),
  ),
  gitRequests: once(
    'flotilla_git_requests_total',
    () =>
      new Counter({
        name: 'flotilla_git_requests_total',
        help: 'Git remote calls, by repository host, operation (ls-remote, fetch) and outcome (ok or the error class).',
        labelNames: ['host', 'op', 'outcome'],
      }),
  ),
  gitSeconds: once(
    'flotilla_git_request_seconds',
    () =>
      new Histogram({
        name: 'flotilla_git_request_seconds',
        help: 'Duration of Git remote calls, by repository host and operation.',
        labelNames: ['host', 'op'],
        buckets: REMOTE_BUCKETS,
      }),
  ),
  chartRequests: once(
    'flotilla_chart_requests_total',
    () =>
      new Counter({
        name: 'flotilla_chart_requests_total',
        help: 'Calls to Helm repositories and OCI registries, by host, operation (index, archive, token, tags, manifest, blob) and outcome (ok or the error class).',
        labelNames: ['host', 'op', 'outcome'],
      }),
  ),
  chartSeconds: once(
    'flotilla_chart_request_seconds',
    () =>
      new Histogram({
        name: 'flotilla_chart_request_seconds',
        help: 'Duration of calls to Helm repositories and OCI registries, by host and operation.',
        labelNames: ['host', 'op'],
        buckets: REMOTE_BUCKETS,
      }),
  ),
};

/** The bounded reasons of {@link appMetrics.syncFailures}, first match wins. */
const FAILURE_REASONS: readonly [string, RegExp][] = [
  ['terminated', /terminat/i],
  ['hook-failed', /hook/i],
  ['timeout', /timed? ?out|deadline/i],
  ['dry-run-failed', /dry[- ]?run/i],
  [
    'forbidden',
    /forbidden|not permitted|permission|unauthori[sz]ed|not allowed by (the )?project/i,
  ],
  ['invalid', /invalid|is required|unknown field|cannot unmarshal/i],
  ['conflict', /conflict|already exists|shared resource|modified/i],
  ['render-failed', /render|helm|kustomize|manifest/i],
  ['cluster-unreachable', /unreachable|ECONNREFUSED|connection refused|ETIMEDOUT|EAI_AGAIN/i],
  ['unhealthy', /degraded|health/i],
  ['tasks-failed', /one or more (synchronization )?tasks/i],
];

/** The failure reason label of an operation message: one of a fixed set, `other` otherwise. */
export function failureReason(message: string | undefined): string {
  const m = message ?? '';
  return FAILURE_REASONS.find(([, re]) => re.test(m))?.[0] ?? 'other';
}

/** The verb and resource kind of an apiserver request, from its method and path. */
export function requestShape(
  method: string,
  path: string,
  contentType?: string,
): { verb: string; kind: string } {
  const segs = path.split('?')[0]!.split('/').filter(Boolean);
  // /api/v1/... or /apis/<group>/<version>/...; then optional namespaces/<ns>, then resource[/name[/sub]].
  let i = segs[0] === 'api' ? 2 : 3;
  if (segs[i] === 'namespaces' && segs.length > i + 2) i += 2;
  const kind = segs[i] ?? (segs[i - 1] === 'namespaces' ? 'namespaces' : 'discovery');
  const named = segs.length > i + 1;
  const sub = segs[i + 2];
  const m = method.toUpperCase();
  const verb =
    m === 'GET'
      ? named
        ? 'get'
        : 'list'
      : m === 'POST'
        ? 'create'
        : m === 'PUT'
          ? 'update'
          : m === 'PATCH'
            ? contentType?.includes('apply-patch')
              ? 'apply'
              : 'patch'
            : m === 'DELETE'
              ? named
                ? 'delete'
                : 'deletecollection'
              : m.toLowerCase();
  return { verb, kind: sub ? `${kind}/${sub}` : kind };
}
