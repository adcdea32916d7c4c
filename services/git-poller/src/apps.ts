import {
  REFRESH_ANNOTATIONS,
  REFRESHED_REVISIONS_ANNOTATION,
  applicationPath,
  type Application,
} from '@flotilla/api';
import type { AppRef } from '@flotilla/contracts';
import type { PolledApp } from '@flotilla/git';
import { rawRequest, type KubeAccess } from '@flotilla/kube';

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

/**
 * Removes the refresh annotations from an Application (JSON merge patch) and
 * records the `revisions` it resolved (none when resolving failed).
 */
export async function clearRefresh(
  kc: KubeAccess,
  app: AppRef,
  revisions?: readonly string[],
): Promise<void> {
  await rawRequest(kc, {
    method: 'PATCH',
    path: applicationPath(app.namespace, app.name),
    query: { fieldManager: 'flotilla-git-poller' },
    contentType: 'application/merge-patch+json',
    body: {
      metadata: {
        annotations: Object.fromEntries([
          ...REFRESH_ANNOTATIONS.map((k) => [k, null]),
          [REFRESHED_REVISIONS_ANNOTATION, revisions?.length ? revisions.join(',') : null],
        ]),
      },
    },
  });
}
