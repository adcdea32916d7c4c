// A destination cluster whose kube-apiserver stops and starts again under a
// running differ. The destination is a control plane of its own (only its
// apiserver is stopped; etcd stays), named by a cluster Secret; the
// Applications live on the shared test cluster, which stays up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { applicationPath, type Application } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus } from '@flotilla/bus';
import { Streams, workSubject } from '@flotilla/contracts';
import { temporaryCluster, type TemporaryCluster } from '@flotilla/devcluster';
import { trackingId } from '@flotilla/gitops';
import {
  Discovery,
  applyObject,
  installCrds,
  loadKubeConfig,
  rawRequest,
  type KubeConnection,
} from '@flotilla/kube';
import { ClusterReports, DesiredStore, type ClusterReport } from '@flotilla/render';
import { createLogger, userCacheDir, type RoleHandle } from '@flotilla/runtime';
import { roleConfig, startEnv, streamMessages, waitFor, type TestEnv } from '@flotilla/testing';
import { differRole } from '../src/role.js';
import { createClusterSecret, seedApp } from './seed.js';

const dest = 'dest';

describe('a destination cluster whose apiserver stops and comes back', () => {
  let env: TestEnv;
  let cluster: TemporaryCluster;
  let remote: KubeConnection;
  let ns: string;
  let nc: NatsConnection;
  let redis: Redis;
  let role: RoleHandle;
  const app = { namespace: '', name: 'web' };

  const status = async () =>
    (
      await rawRequest<Application>(env.kube.kc, {
        method: 'GET',
        path: applicationPath(ns, app.name),
      })
    ).status ?? {};
  const resourceVersion = async () =>
    (
      (
        await rawRequest<Application>(env.kube.kc, {
          method: 'GET',
          path: applicationPath(ns, app.name),
        })
      ).metadata as { resourceVersion?: string } | undefined
    )?.resourceVersion;
  const diff = () => createPublisher(nc).command({ version: 1, kind: 'diff', app, reason: 'test' });
  const events = (suffix: string) =>
    streamMessages(nc, Streams.Events, `flotilla.events.${ns}.${app.name}.${suffix}`);
  const pending = (kind: 'diff' | 'sync') =>
    streamMessages(nc, Streams.Work, workSubject(kind, app));
  /** What the differ last reported of the destination's cache (`flotilla cluster` shows it). */
  const report = async (): Promise<ClusterReport | undefined> =>
    (await new ClusterReports(redis, ns).read()).get(cluster.server);
  const liveValue = async () =>
    (
      await rawRequest<{ data?: { a?: string } }>(remote, {
        method: 'GET',
        path: `/api/v1/namespaces/${dest}/configmaps/web-cm`,
      })
    ).data?.a;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    app.namespace = ns;
    cluster = await temporaryCluster({ cacheDir: userCacheDir(process.env), env: process.env });
    remote = loadKubeConfig(cluster.kubeconfig);
    await rawRequest(remote, {
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: dest } },
    });
    await createClusterSecret(env, ns, {
      name: 'restarting',
      server: cluster.server,
      config: {
        bearerToken: remote.user.token,
        tlsClientConfig: { caData: Buffer.from(remote.cluster.ca ?? '').toString('base64') },
      },
    });
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    redis = new Redis(env.redis.url);
    await seedApp(
      env,
      new DesiredStore(redis),
      app,
      { server: cluster.server, namespace: dest },
      'e'.repeat(40),
    );
    // Automated sync with prune: a comparison that took a down cluster for an
    // empty one would ask for a sync here.
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: applicationPath(ns, app.name),
      contentType: 'application/merge-patch+json',
      body: { spec: { syncPolicy: { automated: { prune: true } } } },
    });
    // The live object, as a sync would have left it.
    await applyObject(
      remote,
      new Discovery(remote),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'web-cm',
          namespace: dest,
          annotations: {
            'flotilla.dev/tracking-id': trackingId(app, {
              group: '',
              kind: 'ConfigMap',
              namespace: dest,
              name: 'web-cm',
            }),
          },
        },
        data: { a: '1' },
      } as never,
      { fieldManager: 'flotilla' },
    );
    role = await differRole.start({
      logger: createLogger({ name: 'differ', level: 'silent' }),
      signal: new AbortController().signal,
      config: roleConfig(env, ns),
      env: { FLOTILLA_RESYNC_SECONDS: '3600', FLOTILLA_CLUSTER_REPORT_SECONDS: '1' },
    });
    await diff();
    await waitFor('Synced', async () => (await status()).sync?.status === 'Synced', {
      timeoutMs: 60_000,
      intervalMs: 300,
    });
  });
  afterAll(async () => {
    await role?.stop();
    await nc?.close();
    redis?.disconnect();
    await cluster?.[Symbol.asyncDispose]();
    await env?.[Symbol.asyncDispose]();
  });

  it('reports the cache of the destination: its size, reachable, no error', async () => {
    await waitFor('a report of the cluster', async () => (await report()) !== undefined, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    const r = await report();
    expect(r).toMatchObject({ name: 'restarting', server: cluster.server, reachable: true });
    // The ConfigMap at least, in a cache that watches its kind.
    expect(r?.resources).toBeGreaterThanOrEqual(1);
    expect(r?.kinds).toBeGreaterThanOrEqual(1);
    expect(r?.lastError).toBeUndefined();
  });

  it('says the cluster is unreachable, sync Unknown, once, and decides nothing', async () => {
    const changesBefore = (await events('app.sync-changed')).length;
    await cluster.stop('kube-apiserver');
    // No diff command from here: the differ notices on its own.
    await waitFor(
      'ComparisonError naming the cluster',
      async () =>
        (await status()).conditions?.some(
          (c) => c.type === 'ComparisonError' && c.message?.includes('restarting') === true,
        ) === true,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const s = await status();
    expect(s.sync?.status).toBe('Unknown');
    const condition = s.conditions?.find((c) => c.type === 'ComparisonError');
    expect(condition?.message).toContain(`cluster restarting (${cluster.server}) is unreachable`);
    expect(condition?.message).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
    // The resources are still listed as last known: nothing to prune.
    expect(s.resources?.map((r) => [r.kind, r.name, r.status])).toEqual([
      ['ConfigMap', 'web-cm', 'Synced'],
    ]);

    // More comparisons while it stays down: no status write, no event, no sync.
    const version = await resourceVersion();
    for (let i = 0; i < 3; i++) await diff();
    await waitFor('the comparisons done', async () => (await pending('diff')).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(await resourceVersion()).toBe(version);
    const changes = (await events('app.sync-changed')).slice(changesBefore);
    expect(changes.map((e) => e.data)).toEqual([
      expect.objectContaining({ from: 'Synced', to: 'Unknown' }),
    ]);
    expect(await pending('sync')).toEqual([]);
    // The report says so too, with the error, and keeps what the cache held.
    await waitFor('a report of the outage', async () => (await report())?.reachable === false, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    const r = await report();
    expect(r?.lastError).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
    expect(Date.parse(r?.lastErrorAt ?? '')).not.toBeNaN();
    expect(r?.resources).toBeGreaterThanOrEqual(1);
  });

  it('recovers when the apiserver is back, and still sees a manual edit as drift', async () => {
    await cluster.start('kube-apiserver');
    // Again no diff command: the cache's reconnection asks for the comparison.
    await waitFor(
      'Synced again',
      async () => {
        const s = await status();
        return (
          s.sync?.status === 'Synced' && !s.conditions?.some((c) => c.type === 'ComparisonError')
        );
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    expect(await liveValue()).toBe('1');
    // Reachable again in the report, which still names the last error.
    await waitFor('a report of the recovery', async () => (await report())?.reachable === true, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect((await report())?.lastError).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);

    // An edit by another field manager after the restart, seen from the re-established watch.
    await rawRequest(remote, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${dest}/configmaps/web-cm`,
      query: { fieldManager: 'manual-edit', force: 'true' },
      contentType: 'application/apply-patch+yaml',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'web-cm', namespace: dest },
        data: { a: '2' },
      },
    });
    await waitFor(
      'OutOfSync from drift',
      async () => (await status()).sync?.status === 'OutOfSync',
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    const drift = await events('app.drift-detected');
    expect(drift.at(-1)?.data.resources).toEqual([
      {
        resource: { group: '', kind: 'ConfigMap', namespace: dest, name: 'web-cm' },
        fields: ['/data/a'],
      },
    ]);
  });
});
