import { API_VERSION, type Application, type ApplicationDestination } from '@flotilla/api';
import type { DesiredStore } from '@flotilla/render';
import type { TestEnv } from '@flotilla/testing';

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
