import {
  API_VERSION,
  APPLICATION_SET,
  applicationPath,
  type Application,
  type ApplicationSet,
} from '@flotilla/api';
import { ApiError, rawRequest } from '@flotilla/kube';
import type { KubeAccess } from '@flotilla/kube';
import { appSetPath } from '../src/reconcile.js';

/** A set with a list generator over `clusters`, deploying a directory of the demo repo. */
export function listSet(
  namespace: string,
  name: string,
  elements: Record<string, unknown>[],
  extra: Partial<ApplicationSet['spec']> = {},
): ApplicationSet {
  return {
    apiVersion: API_VERSION,
    kind: APPLICATION_SET.kind,
    metadata: { name, namespace },
    spec: {
      generators: [{ list: { elements } }],
      template: {
        metadata: { name: '{{cluster}}-' + name, labels: { env: '{{cluster}}' } },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://git.example.com/apps.git',
            path: 'guestbook',
            targetRevision: 'HEAD',
          },
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: '{{cluster}}-guestbook',
          },
        },
      },
      ...extra,
    },
  } as ApplicationSet;
}

export async function createSet(kc: KubeAccess, set: ApplicationSet): Promise<ApplicationSet> {
  return rawRequest<ApplicationSet>(kc, {
    method: 'POST',
    path: `/apis/flotilla.dev/v1alpha1/namespaces/${set.metadata.namespace ?? ''}/applicationsets`,
    body: set,
  });
}

export async function patchSet(
  kc: KubeAccess,
  namespace: string,
  name: string,
  patch: unknown,
): Promise<void> {
  await rawRequest(kc, {
    method: 'PATCH',
    path: appSetPath({ namespace, name }),
    contentType: 'application/merge-patch+json',
    body: patch,
  });
}

export async function getSet(
  kc: KubeAccess,
  namespace: string,
  name: string,
): Promise<ApplicationSet> {
  return rawRequest<ApplicationSet>(kc, { method: 'GET', path: appSetPath({ namespace, name }) });
}

export async function listApps(kc: KubeAccess, namespace: string): Promise<Application[]> {
  const l = await rawRequest<{ items: Application[] }>(kc, {
    method: 'GET',
    path: applicationPath(namespace),
  });
  return l.items.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

export async function getApp(
  kc: KubeAccess,
  namespace: string,
  name: string,
): Promise<Application | undefined> {
  try {
    return await rawRequest<Application>(kc, {
      method: 'GET',
      path: applicationPath(namespace, name),
    });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

/** The condition of a set, by type. */
export const cond = (s: ApplicationSet, type: string) =>
  s.status?.conditions?.find((c) => c.type === type);

/**
 * Removes the finalizers of every Application in `namespace`: suites run no
 * applier, and a finalizer nobody handles would keep the namespace
 * terminating in the shared cluster.
 */
export async function dropFinalizers(kc: KubeAccess, namespace: string): Promise<void> {
  for (const a of await listApps(kc, namespace)) {
    if (!a.metadata.finalizers?.length) continue;
    await rawRequest(kc, {
      method: 'PATCH',
      path: applicationPath(namespace, a.metadata.name ?? ''),
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: null } },
    }).catch(() => undefined);
  }
}
