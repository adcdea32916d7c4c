import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { API_VERSION, APPLICATION, type Application, type ApplicationSet } from '@flotilla/api';
import { ApiError, ApplicationClient, rawRequest, type KubeConfig } from '@flotilla/kube';
import { waitFor } from '@flotilla/testing';

/** The in-cluster destination every test Application deploys to. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** What {@link autoSyncedApp} needs to know. */
export interface AutoSyncedAppSpec {
  readonly namespace: string;
  readonly name: string;
  readonly repoURL: string;
  readonly path: string;
  readonly destination: string;
  readonly helm?: NonNullable<Application['spec']['source']>['helm'];
  readonly syncOptions?: string[];
}

/** An Application on `main` of a repo, in-cluster, with automated sync, prune and self-heal. */
export function autoSyncedApp(a: AutoSyncedAppSpec): Application {
  return {
    apiVersion: API_VERSION,
    kind: APPLICATION.kind,
    metadata: { name: a.name, namespace: a.namespace },
    spec: {
      project: 'default',
      source: {
        repoURL: a.repoURL,
        targetRevision: 'main',
        path: a.path,
        ...(a.helm && { helm: a.helm }),
      },
      destination: { server: IN_CLUSTER, namespace: a.destination },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        ...(a.syncOptions && { syncOptions: a.syncOptions }),
      },
    },
  } as Application;
}

/** An Application, or undefined when it does not exist. */
export async function readApp(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<Application | undefined> {
  return new ApplicationClient(kc).get({ namespace, name });
}

/** Every Application of a namespace. */
export async function listApps(kc: KubeConfig, namespace: string): Promise<Application[]> {
  return new ApplicationClient(kc).list(namespace);
}

/** Synced at `revision` (any when omitted), Healthy, and its last operation Succeeded. */
export function isSyncedHealthy(app: Application | undefined, revision?: string): boolean {
  const s = app?.status;
  return (
    s?.sync?.status === 'Synced' &&
    (revision === undefined || s.sync.revision === revision) &&
    s.health?.status === 'Healthy' &&
    s.operationState?.phase === 'Succeeded' &&
    app?.operation === undefined
  );
}

/** A one-line summary of an app's status, for failure messages. */
export function describeStatus(app: Application | undefined): string {
  if (!app) return 'absent';
  const s = app.status ?? {};
  return JSON.stringify({
    sync: s.sync?.status,
    health: s.health?.status,
    phase: s.operationState?.phase,
    message: s.operationState?.message,
    conditions: s.conditions?.map((c) => `${c.type}: ${c.message}`),
  });
}

/** Creates an ApplicationSet in its own namespace. */
export async function createAppSet(kc: KubeConfig, set: ApplicationSet): Promise<void> {
  await rawRequest(kc, {
    method: 'POST',
    path: `/apis/flotilla.dev/v1alpha1/namespaces/${set.metadata.namespace}/applicationsets`,
    body: set,
  });
}

/** Deletes namespaces without waiting for them to go (their names are unique). */
export async function deleteNamespaces(kc: KubeConfig, names: Iterable<string>): Promise<void> {
  await Promise.allSettled(
    [...names].map((name) =>
      rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${name}` }),
    ),
  );
}

/** Waits until the object at `path` (an apiserver path) is gone: a GET answers 404. */
export async function waitGone(kc: KubeConfig, path: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `${path} deleted`,
    () =>
      rawRequest(kc, { method: 'GET', path }).then(
        () => false,
        (e: unknown) => {
          if (e instanceof ApiError && e.status === 404) return true;
          throw e;
        },
      ),
    { timeoutMs, intervalMs: 500 },
  );
}

/**
 * The quick-start demo's Application (`examples/demo-application.yaml`) in
 * `namespace`, reading `repoURL` and deploying to `destination`.
 */
export async function demoApplication(
  namespace: string,
  repoURL: string,
  destination: string,
): Promise<Application> {
  const file = join(import.meta.dirname, '..', '..', '..', 'examples', 'demo-application.yaml');
  const manifest = parse(await readFile(file, 'utf8')) as Application;
  manifest.metadata = { ...manifest.metadata, namespace };
  manifest.spec.source!.repoURL = repoURL;
  manifest.spec.destination.namespace = destination;
  return manifest;
}
