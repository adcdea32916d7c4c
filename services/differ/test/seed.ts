import { API_VERSION, type Application, type ApplicationDestination } from '@flotilla/api';
import type { DesiredStore } from '@flotilla/render';
import { rawRequest } from '@flotilla/kube';
import { createLogger, type RoleHandle } from '@flotilla/runtime';
import { roleConfig, type TestEnv } from '@flotilla/testing';
import { differRole } from '../src/role.js';

/** Starts the differ role for Applications in `namespace`, with the periodic resync out of the way. */
export function startDiffer(env: TestEnv, namespace: string): Promise<RoleHandle> {
  return differRole.start({
    logger: createLogger({ name: 'differ', level: 'warn' }),
    signal: new AbortController().signal,
    config: roleConfig(env, namespace),
    env: { FLOTILLA_RESYNC_SECONDS: '3600' },
  });
}

/** Creates an Application whose source is `<name>` in a placeholder repository. */
export async function createApplication(
  env: TestEnv,
  ref: { namespace: string; name: string },
  destination: ApplicationDestination,
): Promise<void> {
  await env.kube.objects.create({
    apiVersion: API_VERSION,
    kind: 'Application',
    metadata: { name: ref.name, namespace: ref.namespace },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://git.example.com/apps.git',
        targetRevision: 'main',
        path: ref.name,
      },
      destination,
    },
  } as Application);
}

/**
 * Creates an Application and stores a rendered desired state for it (one
 * ConfigMap `<name>-cm`), as if the git-poller and renderer had run.
 */
export async function seedApp(
  env: TestEnv,
  desired: DesiredStore,
  ref: { namespace: string; name: string },
  destination: ApplicationDestination,
  revision: string,
): Promise<void> {
  await createApplication(env, ref, destination);
  await desired.setRendered(ref, {
    revisions: [revision],
    hash: `sha256:${ref.name}`,
    objects: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${ref.name}-cm` },
        data: { a: '1' },
      },
    ],
    warnings: [],
    renderedAt: new Date().toISOString(),
  });
}

/** Creates an Argo CD-format cluster Secret `cluster-<name>` in `namespace`. */
export async function createClusterSecret(
  env: TestEnv,
  namespace: string,
  cluster: {
    name: string;
    server: string;
    config: { bearerToken?: string; tlsClientConfig?: { caData?: string; insecure?: boolean } };
    /** The label's prefix: Flotilla's (default) or Argo CD's. */
    label?: 'flotilla.dev' | 'argocd.argoproj.io';
    /** The AppProject the Secret scopes the cluster to. */
    project?: string;
  },
): Promise<void> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  await rawRequest(env.kube.kc, {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/secrets`,
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `cluster-${cluster.name}`,
        labels: { [`${cluster.label ?? 'flotilla.dev'}/secret-type`]: 'cluster' },
      },
      data: {
        name: b64(cluster.name),
        server: b64(cluster.server),
        config: b64(JSON.stringify(cluster.config)),
        ...(cluster.project ? { project: b64(cluster.project) } : {}),
      },
    },
  });
}
