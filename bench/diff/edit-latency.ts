// Latency from a manual edit to the app's OutOfSync status: the differ role
// runs against the cluster with private NATS and Redis; each round edits a
// managed Deployment's replicas with a server-side apply by another field
// manager, timestamps the Application watch event that first says OutOfSync,
// then applies the desired state again and waits for Synced.
import { API_VERSION, type Application } from '@flotilla/api';
import { connectBus, createPublisher } from '@flotilla/bus';
import { differRole } from '@flotilla/differ';
import { trackingId, type DiffObject } from '@flotilla/gitops';
import {
  Discovery,
  watchRequest,
  applyObject,
  installCrds,
  rawRequest,
  type KubeConfig,
} from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import { compileRuntimeConfig, createLogger, userCacheDir } from '@flotilla/runtime';
import { startNatsServer, startRedisServer } from '@flotilla/testing';
import { Redis } from 'ioredis';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Runs `edits` rounds and returns the line to print. */
export async function editToOutOfSync(
  kc: KubeConfig,
  kubeconfig: string,
  edits: number,
): Promise<string> {
  const stamp = Date.now().toString(36);
  const ns = `bench-drift-${stamp}`;
  const dest = `bench-drift-dest-${stamp}`;
  for (const name of [ns, dest])
    await rawRequest(kc, {
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name } },
    });
  await installCrds(kc);
  await using nats = await startNatsServer();
  await using redis = await startRedisServer();
  const app = { namespace: ns, name: 'drift' };
  const deployment = (replicas: number): DiffObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: dest },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  });
  const tracked = () => {
    const d = deployment(1);
    (d['metadata'] as Record<string, unknown>)['annotations'] = {
      'flotilla.dev/tracking-id': trackingId(app, {
        group: 'apps',
        kind: 'Deployment',
        namespace: dest,
        name: 'web',
      }),
    };
    return d;
  };
  const discovery = new Discovery(kc);
  const applyDesired = () =>
    applyObject(kc, discovery, tracked() as never, { fieldManager: 'flotilla' });

  const client = new Redis(redis.url);
  await new DesiredStore(client).setRendered(app, {
    revisions: ['b'.repeat(40)],
    hash: 'sha256:bench-drift',
    objects: [deployment(1)],
    warnings: [],
    renderedAt: new Date().toISOString(),
  });
  client.disconnect();
  await rawRequest(kc, {
    method: 'POST',
    path: `/apis/${API_VERSION}/namespaces/${ns}/applications`,
    body: {
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: app.name, namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: 'https://git.example.com/x.git', targetRevision: 'main', path: '.' },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
      },
    },
  });
  await applyDesired();

  // Every change of the Application's sync status, timestamped as it arrives.
  let waiter: { status: string; resolve: (t: number) => void } | undefined;
  const controller = await watchRequest(
    kc,
    `/apis/${API_VERSION}/namespaces/${ns}/applications`,
    {},
    (_phase, o) => {
      const obj = o as Application;
      const at = performance.now();
      if (waiter && obj.status?.sync?.status === waiter.status) {
        waiter.resolve(at);
        waiter = undefined;
      }
    },
    () => undefined,
  );
  const next = (status: string) => new Promise<number>((resolve) => (waiter = { status, resolve }));

  const role = await differRole.start({
    logger: createLogger({ name: 'differ', level: 'error' }),
    signal: new AbortController().signal,
    config: compileRuntimeConfig(
      {},
      {
        natsUrl: nats.url,
        redisUrl: redis.url,
        kubeconfig,
        namespace: ns,
        logLevel: 'error',
        cacheDir: userCacheDir(process.env),
      },
    ),
    env: { FLOTILLA_RESYNC_SECONDS: '3600' },
  });
  const latencies: number[] = [];
  try {
    const synced = next('Synced');
    const nc = await connectBus({ servers: nats.url, name: 'bench' });
    await createPublisher(nc).command({ version: 1, kind: 'diff', app, reason: 'bench' });
    await nc.close();
    await synced;
    for (let i = 0; i < edits; i++) {
      const outOfSync = next('OutOfSync');
      const t = performance.now();
      await rawRequest(kc, {
        method: 'PATCH',
        path: `/apis/apps/v1/namespaces/${dest}/deployments/web`,
        query: { fieldManager: 'bench-edit', force: 'true' },
        contentType: 'application/apply-patch+yaml',
        body: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: dest },
          spec: { replicas: 2 + (i % 3) },
        },
      });
      latencies.push((await outOfSync) - t);
      const back = next('Synced');
      await applyDesired();
      await back;
    }
  } finally {
    controller.abort();
    await role.stop();
    for (const name of [ns, dest])
      await rawRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(
        () => undefined,
      );
  }
  return `manual edit → OutOfSync status (${edits} edits):  median ${Math.round(median(latencies))} ms, max ${Math.round(Math.max(...latencies))} ms`;
}
