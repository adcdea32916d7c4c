import { API_VERSION, APPLICATION, type Application } from '@flotilla/api';
import type { AppRef } from '@flotilla/contracts';
import type { PolledApp } from '@flotilla/git';
import { PatchStrategy, type KubernetesObjectApi } from '@flotilla/kube';

/** Refresh annotations, Flotilla's and Argo CD's. */
export const REFRESH_ANNOTATIONS = ['flotilla.dev/refresh', 'argocd.argoproj.io/refresh'] as const;
/** manifest-generate-paths annotations, Flotilla's and Argo CD's. */
export const PATHS_ANNOTATIONS = [
  'flotilla.dev/manifest-generate-paths',
  'argocd.argoproj.io/manifest-generate-paths',
] as const;

/** What the poller needs of an Application. */
export function toPolledApp(app: Application): PolledApp | undefined {
  const name = app.metadata?.name;
  const namespace = app.metadata?.namespace;
  const sources = app.spec?.sources?.length
    ? app.spec.sources
    : app.spec?.source
      ? [app.spec.source]
      : [];
  if (!name || !namespace || sources.length === 0) return undefined;
  const annotations = app.metadata?.annotations ?? {};
  const refresh = REFRESH_ANNOTATIONS.map((k) => annotations[k]).find(Boolean);
  const paths = PATHS_ANNOTATIONS.map((k) => annotations[k]).find(Boolean);
  return {
    ref: { namespace, name },
    sources: sources.map((s) => ({
      repoURL: s.repoURL,
      ...(s.targetRevision !== undefined ? { targetRevision: s.targetRevision } : {}),
      ...(s.path !== undefined ? { path: s.path } : {}),
      ...(s.chart !== undefined ? { chart: s.chart } : {}),
    })),
    ...(refresh === 'hard' || refresh === 'normal' ? { refresh } : {}),
    ...(paths ? { manifestGeneratePaths: paths } : {}),
  };
}

/** Removes the refresh annotations from an Application (JSON merge patch). */
export async function clearRefresh(objects: KubernetesObjectApi, app: AppRef): Promise<void> {
  await objects.patch(
    {
      apiVersion: API_VERSION,
      kind: APPLICATION.kind,
      metadata: {
        name: app.name,
        namespace: app.namespace,
        annotations: Object.fromEntries(
          REFRESH_ANNOTATIONS.map((k) => [k, null]),
        ) as unknown as Record<string, string>,
      },
    },
    undefined,
    undefined,
    'flotilla-git-poller',
    undefined,
    PatchStrategy.MergePatch,
  );
}
