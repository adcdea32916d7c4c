import type { Application } from '@flotilla/api';
import type { AppMetricRow } from '@flotilla/runtime';

/** How the per-app gauges show one Application. */
export function appMetricRow(a: Application): AppMetricRow {
  const spec = a.spec;
  const status = a.status;
  const source = spec?.source ?? spec?.sources?.[0];
  const lastOk =
    status?.operationState?.phase === 'Succeeded' ? status.operationState.finishedAt : undefined;
  const deployedAt = status?.history?.at(-1)?.deployedAt;
  const last = [lastOk, deployedAt]
    .map((t) => (t ? Date.parse(t) : NaN))
    .filter((t) => !Number.isNaN(t));
  return {
    namespace: a.metadata?.namespace ?? '',
    name: a.metadata?.name ?? '',
    project: spec?.project || 'default',
    repo: source?.repoURL ?? '',
    destServer: spec?.destination?.server ?? spec?.destination?.name ?? '',
    destNamespace: spec?.destination?.namespace ?? '',
    syncStatus: status?.sync?.status ?? 'Unknown',
    healthStatus: status?.health?.status ?? 'Unknown',
    operation: status?.operationState?.phase ?? '',
    ...(last.length > 0 ? { lastSyncSuccess: Math.max(...last) / 1000 } : {}),
  };
}
