// A fleet of two clusters with all five roles: one Application on the shared
// test cluster (in-cluster) and one on a second control plane of its own,
// named by an Argo CD-style cluster Secret. The second cluster's
// kube-apiserver is stopped while a sync of its app waits in wave 0 for a
// LoadBalancer Service this test alone makes healthy (nothing else gives it an
// ingress), and started again on the same port and etcd data. While it is
// down its app is Unknown with a condition naming it, the operation is held
// (Running, waiting for the cluster it names, no retry spent) and nothing is
// pruned; the other app stays Synced and Healthy. Once it answers, the same
// attempt resumes and completes by itself. Nothing of either app ever lands
// in the other's cluster. Then a held automated sync is ended by `flotilla app
// terminate-op` while the cluster is down: Failed at once, one start and one
// end event, and once the cluster is back nothing more of it runs and automated
// sync leaves that revision alone (SyncError), as after any failed sync.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Application } from '@flotilla/api';
import { connectBus } from '@flotilla/bus';
import { Streams, operationIdOf } from '@flotilla/contracts';
import { temporaryCluster, type TemporaryCluster } from '@flotilla/devcluster';
import {
  ApiError,
  installCrds,
  loadKubeConfig,
  rawRequest,
  type KubeConfig,
  type KubeConnection,
} from '@flotilla/kube';
import { userCacheDir } from '@flotilla/runtime';
import {
  startEnv,
  startRoles,
  streamMessages,
  waitFor,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import {
  IN_CLUSTER,
  autoSyncedApp,
  deleteNamespaces,
  describeStatus,
  isSyncedHealthy,
  readApp,
} from './support/apps.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

const CLI = join(import.meta.dirname, '..', '..', 'cli', 'bin', 'flotilla.mjs');

const settings = (version: string, wave?: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'settings',
    ...(wave ? { annotations: { 'argocd.argoproj.io/sync-wave': wave } } : {}),
  },
  data: { version },
});

/** The ConfigMap `extra`, in wave 2. */
const extra = (version: string) => ({
  ...settings(version, '2'),
  metadata: { name: 'extra', annotations: { 'argocd.argoproj.io/sync-wave': '2' } },
});

// Progressing until its status has an ingress point: the second cluster runs no
// load-balancer controller, so only this test gives it one.
const loadBalancer = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'edge', annotations: { 'argocd.argoproj.io/sync-wave': '0' } },
  spec: { type: 'LoadBalancer', selector: { app: 'edge' }, ports: [{ port: 80 }] },
};

/** What `flotilla cluster get -o json` prints (docs/clusters.md). */
interface ClusterView {
  readonly name: string;
  readonly reachable: boolean;
  readonly apps: string[];
  readonly version?: string;
  readonly error?: string;
  readonly resourcesCached?: number;
  readonly lastError?: string;
  readonly lastErrorAt?: string;
}

interface Live {
  metadata: { uid: string };
  data?: Record<string, string>;
}

/** GET `path` on `kc`; undefined on 404. */
const get = (kc: KubeConfig, path: string) =>
  rawRequest<Live>(kc, { method: 'GET', path }).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  });

describe('two clusters, the second one down in the middle of a sync', () => {
  let env: TestEnv;
  let ns: string;
  let second: TemporaryCluster;
  let remote: KubeConnection;
  let roles: RunningRoles | undefined;
  let nc: NatsConnection;
  let homeDest: string;
  let farDest: string;
  let farRepo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let home: Application | undefined;
  let far: Application | undefined;

  const cluster = (...args: string[]) =>
    new Promise<{ code: number; view: ClusterView }>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          CLI,
          'cluster',
          ...args,
          '-o',
          'json',
          '--kubeconfig',
          env.kube.kubeconfigPath,
          '-n',
          ns,
          '--redis-url',
          env.redis.url,
        ],
        (err, stdout, stderr) => {
          const code = err ? Number((err as { code?: unknown }).code ?? -1) : 0;
          try {
            resolve({ code, view: JSON.parse(stdout) as ClusterView });
          } catch {
            reject(new Error(`flotilla cluster ${args.join(' ')} exited ${code}: ${stderr}`));
          }
        },
      );
    });
  const until = (what: string, check: () => Promise<boolean>, timeoutMs = 120_000) =>
    waitFor(what, check, { timeoutMs, intervalMs: 250 }).catch((err: Error) => {
      throw new Error(
        `${err.message}; far ${describeStatus(far)} ${JSON.stringify(far?.status?.operationState?.retryCount)}; home ${describeStatus(home)}`,
      );
    });
  const readFar = async () => (far = await readApp(env.kube.kc, ns, 'far'));
  const readHome = async () => (home = await readApp(env.kube.kc, ns, 'home'));
  /** Waits until far's operation is held for the second cluster; returns how its message begins. */
  const untilHeld = async () => {
    const waiting = `waiting for cluster second (${second.server}) since `;
    await until('the operation held for the unreachable cluster', async () => {
      const s = (await readFar())?.status?.operationState;
      return s?.phase === 'Running' && s.message?.startsWith(waiting) === true;
    });
    return waiting;
  };
  const farPath = (kind: 'configmaps' | 'services', name: string) =>
    `/api/v1/namespaces/${farDest}/${kind}/${name}`;
  const homePath = () => `/api/v1/namespaces/${homeDest}/configmaps/settings`;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('fleet');
    homeDest = `home-${ns.slice(-8)}`;
    farDest = `far-${ns.slice(-8)}`;
    second = await temporaryCluster({ cacheDir: userCacheDir(process.env), env: process.env });
    remote = loadKubeConfig(second.kubeconfig);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await rawRequest(env.kube.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: {
        metadata: {
          name: 'cluster-second',
          labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
        },
        data: {
          name: b64('second'),
          server: b64(second.server),
          config: b64(
            JSON.stringify({
              bearerToken: remote.user.token,
              tlsClientConfig: { caData: Buffer.from(remote.cluster.ca ?? '').toString('base64') },
            }),
          ),
        },
      },
    });
    const homeRepo = await env.git.repo('home');
    await homeRepo.commit({ 'app/settings.yaml': stringify(settings('home-1')) }, 'home');
    farRepo = await env.git.repo('far');
    await farRepo.commit({ 'app/settings.yaml': stringify(settings('far-1', '1')) }, 'far');
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    // The differ reports its cluster caches every second, for `flotilla cluster`.
    roles = await startRoles(env, ns, ALL_ROLES, {
      ...testRoleEnv(env),
      FLOTILLA_CLUSTER_REPORT_SECONDS: '1',
    });
    await env.kube.objects.create(
      autoSyncedApp({
        namespace: ns,
        name: 'home',
        repoURL: homeRepo.url,
        path: 'app',
        destination: homeDest,
        syncOptions: ['CreateNamespace=true'],
      }),
    );
    const farApp = autoSyncedApp({
      namespace: ns,
      name: 'far',
      repoURL: farRepo.url,
      path: 'app',
      destination: farDest,
      syncOptions: ['CreateNamespace=true'],
    });
    farApp.spec.destination = { name: 'second', namespace: farDest };
    // The default retry policy: the outage is ridden out by the hold, not by retries.
    await env.kube.objects.create(farApp);
  });
  afterAll(async () => {
    await roles?.stop();
    await nc?.close();
    await second?.[Symbol.asyncDispose]();
    if (env && homeDest) await deleteNamespaces(env.kube.kc, [homeDest]);
    await env?.[Symbol.asyncDispose]();
  });

  it('syncs each app into its own cluster', async () => {
    await until('both apps Synced and Healthy', async () => {
      await Promise.all([readHome(), readFar()]);
      return isSyncedHealthy(home) && isSyncedHealthy(far);
    });
    expect((await get(env.kube.kc, homePath()))?.data).toEqual({ version: 'home-1' });
    expect((await get(remote, farPath('configmaps', 'settings')))?.data).toEqual({
      version: 'far-1',
    });
    // Neither wrote into the other's cluster.
    expect(await get(remote, `/api/v1/namespaces/${homeDest}`)).toBeUndefined();
    expect(await get(env.kube.kc, `/api/v1/namespaces/${farDest}`)).toBeUndefined();
    // The differ's cache of the second cluster holds far's objects, and no error so far.
    let listed = await cluster('get', 'second');
    await until('the differ reporting its cache of the second cluster', async () => {
      listed = await cluster('get', 'second');
      return (listed.view.resourcesCached ?? 0) >= 1;
    });
    expect(listed.code).toBe(0);
    expect(listed.view).toMatchObject({ reachable: true, apps: ['far'] });
    expect(listed.view.lastError).toBeUndefined();
  }, 240_000);

  it('holds the sync while the cluster is down, prunes nothing, and completes it when it is back', async () => {
    const before = await get(remote, farPath('configmaps', 'settings'));
    const homeBefore = await get(env.kube.kc, homePath());
    const revision = await farRepo.commit(
      {
        'app/settings.yaml': stringify(settings('far-2', '1')),
        'app/edge.yaml': stringify(loadBalancer),
        'app/extra.yaml': stringify(extra('far-2')),
      },
      'an edge Service in wave 0, an extra ConfigMap in wave 2',
    );
    await until('the sync waiting in wave 0 for the edge Service', async () => {
      const s = (await readFar())?.status?.operationState;
      return (
        s?.phase === 'Running' &&
        s.syncResult?.revision === revision &&
        (s.syncResult.resources ?? []).some((r) => r.kind === 'Service' && r.status === 'Synced') &&
        s.message?.includes('Service/edge') === true
      );
    });
    const edge = await get(remote, farPath('services', 'edge'));
    expect(edge).toBeDefined();
    const startedAt = far?.status?.operationState?.startedAt;

    await second.stop('kube-apiserver');

    // The operation is held, saying for which cluster and why.
    const waiting = await untilHeld();
    // The same attempt, no retry spent.
    expect(far?.status?.operationState?.startedAt).toBe(startedAt);
    expect(far?.status?.operationState?.retryCount).toBeUndefined();
    // Its comparison is Unknown with a condition naming the cluster.
    await until('far Unknown with a ComparisonError', async () => {
      const s = (await readFar())?.status;
      return (
        s?.sync?.status === 'Unknown' &&
        s.conditions?.some(
          (c) =>
            c.type === 'ComparisonError' &&
            c.message?.includes(`cluster second (${second.server}) is unreachable`) === true,
        ) === true
      );
    });
    // Its resources are kept as last seen: nothing is Missing or about to be pruned.
    expect(far?.status?.resources?.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(
      expect.arrayContaining(['ConfigMap/settings']),
    );
    // flotilla cluster says it does not answer, and why.
    const down = await cluster('get', 'second');
    expect(down.code).toBe(1);
    expect(down.view).toMatchObject({ reachable: false, apps: ['far'] });
    expect(down.view.error).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up|timed out/);
    // The differ's report names the outage too, and its cache is kept, not emptied.
    await until('the differ reporting the outage', async () => {
      const v = (await cluster('get', 'second')).view;
      return /ECONNREFUSED|ECONNRESET|socket hang up/.test(v.lastError ?? '');
    });
    expect((await cluster('get', 'second')).view.resourcesCached).toBeGreaterThanOrEqual(1);
    // The app on the first cluster is untouched.
    home = await readHome();
    expect(isSyncedHealthy(home), describeStatus(home)).toBe(true);
    expect(home?.status?.conditions?.filter((c) => c.type === 'ComparisonError') ?? []).toEqual([]);
    expect((await get(env.kube.kc, homePath()))?.metadata.uid).toBe(homeBefore?.metadata.uid);
    // Nothing of far was written to the first cluster.
    expect(await get(env.kube.kc, `/api/v1/namespaces/${farDest}`)).toBeUndefined();

    await second.start('kube-apiserver');

    // The held attempt plans afresh and waits in wave 0 again, on the same Service.
    await until('the sync waiting for the edge Service again', async () => {
      const s = (await readFar())?.status?.operationState;
      return (
        s?.phase === 'Running' &&
        (s.syncResult?.resources ?? []).some(
          (r) => r.kind === 'Service' && r.status === 'Synced',
        ) &&
        s.message?.includes('Service/edge') === true &&
        !s.message.startsWith(waiting)
      );
    });
    // Nothing after wave 0 has run.
    expect(await get(remote, farPath('configmaps', 'extra'))).toBeUndefined();
    await rawRequest(remote, {
      method: 'PATCH',
      path: `${farPath('services', 'edge')}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } },
    });
    await until('far Synced and Healthy at the new commit', async () => {
      await readFar();
      return (
        isSyncedHealthy(far, revision) &&
        !far?.status?.conditions?.some((c) => c.type === 'ComparisonError')
      );
    });
    // The attempt that was held is the one that succeeded, with no retry spent (an
    // automated sync may follow it, if the differ's cache is slow to see its last wave).
    const held = operationIdOf('op', { namespace: ns, name: 'far' }, Date.parse(startedAt ?? ''));
    const ops = (
      await streamMessages(nc, Streams.Events, `flotilla.events.${ns}.far.operation.>`)
    ).filter(
      (e) =>
        e['data']?.['operationId'] === held &&
        /\.(started|succeeded|failed)\.v1$/.test(String(e['type'])),
    );
    expect(
      ops.map((e) => String(e['type'])),
      JSON.stringify(ops),
    ).toEqual(['dev.flotilla.operation.started.v1', 'dev.flotilla.operation.succeeded.v1']);
    const history = far?.status?.history ?? [];
    expect(history.some((h) => h.deployStartedAt === startedAt && h.revision === revision)).toBe(
      true,
    );
    expect((await get(remote, farPath('configmaps', 'extra')))?.data).toEqual({ version: 'far-2' });
    expect(
      await get(env.kube.kc, `/api/v1/namespaces/${homeDest}/configmaps/extra`),
    ).toBeUndefined();
    // The same objects, updated in place: nothing was deleted on the way.
    const after = await get(remote, farPath('configmaps', 'settings'));
    expect(after?.data).toEqual({ version: 'far-2' });
    expect(after?.metadata.uid).toBe(before?.metadata.uid);
    expect((await get(remote, farPath('services', 'edge')))?.metadata.uid).toBe(edge?.metadata.uid);
    const pruned = await streamMessages(
      nc,
      Streams.Events,
      `flotilla.events.${ns}.far.resource.pruned`,
    );
    expect(pruned).toEqual([]);
    // Still nothing in the wrong cluster, either way.
    expect(await get(env.kube.kc, `/api/v1/namespaces/${farDest}`)).toBeUndefined();
    expect(await get(remote, `/api/v1/namespaces/${homeDest}`)).toBeUndefined();
    home = await readHome();
    expect(isSyncedHealthy(home), describeStatus(home)).toBe(true);
    expect(home?.spec.destination.server).toBe(IN_CLUSTER);

    const back = await cluster('get', 'second');
    expect(back.code).toBe(0);
    expect(back.view).toMatchObject({ reachable: true, apps: ['far'] });
    expect(back.view.error).toBeUndefined();
    // The last error stays in the report after the cluster is back, with when it began.
    expect(back.view.lastError).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
    expect(Date.parse(back.view.lastErrorAt ?? '')).not.toBeNaN();
  }, 300_000);

  it('ends a held automated sync at once on terminate-op, and does not sync that revision again', async () => {
    const revision = await farRepo.commit(
      {
        'app/settings.yaml': stringify(settings('far-3', '1')),
        'app/edge.yaml': stringify(loadBalancer),
        'app/edge2.yaml': stringify({
          ...loadBalancer,
          metadata: { ...loadBalancer.metadata, name: 'edge2' },
        }),
        'app/extra.yaml': stringify(extra('far-3')),
      },
      'a second edge Service in wave 0',
    );
    await until('the sync waiting in wave 0 for the edge2 Service', async () => {
      const s = (await readFar())?.status?.operationState;
      return (
        s?.phase === 'Running' &&
        s.syncResult?.revision === revision &&
        s.message?.includes('Service/edge2') === true
      );
    });
    const startedAt = far?.status?.operationState?.startedAt;
    await second.stop('kube-apiserver');
    await untilHeld();

    const stderr = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [CLI, 'app', 'terminate-op', 'far', '--kubeconfig', env.kube.kubeconfigPath, '-n', ns],
        (err, _out, text) => (err ? reject(new Error(`${err.message}: ${text}`)) : resolve(text)),
      );
    });
    expect(stderr).toContain(`termination of the operation of ${ns}/far requested`);
    await until('the held operation ended', async () => {
      const phase = (await readFar())?.status?.operationState?.phase;
      return phase !== undefined && phase !== 'Running' && phase !== 'Terminating';
    });
    const ended = far?.status?.operationState;
    expect({ phase: ended?.phase, message: ended?.message }).toEqual({
      phase: 'Failed',
      message: 'Operation terminated',
    });
    expect(ended?.startedAt).toBe(startedAt);
    expect(ended?.retryCount).toBeUndefined();

    await second.start('kube-apiserver');
    await rawRequest(remote, {
      method: 'PATCH',
      path: `${farPath('services', 'edge2')}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.11' }] } } },
    });
    // Compared again with the cluster back: OutOfSync, and, as after any failed sync,
    // automated sync leaves that revision alone (SyncError) until a new commit.
    await until('far compared again, with a SyncError for the terminated revision', async () => {
      const s = (await readFar())?.status;
      return (
        s?.sync?.status === 'OutOfSync' &&
        !s.conditions?.some((c) => c.type === 'ComparisonError') &&
        s.conditions?.some(
          (c) => c.type === 'SyncError' && c.message?.includes(revision) === true,
        ) === true
      );
    });
    expect(far?.status?.operationState?.startedAt).toBe(startedAt);
    // Nothing after wave 0 ran, then or since.
    expect((await get(remote, farPath('configmaps', 'settings')))?.data).toEqual({
      version: 'far-2',
    });
    expect((await get(remote, farPath('configmaps', 'extra')))?.data).toEqual({ version: 'far-2' });
    const terminated = operationIdOf(
      'op',
      { namespace: ns, name: 'far' },
      Date.parse(startedAt ?? ''),
    );
    const ops = (
      await streamMessages(nc, Streams.Events, `flotilla.events.${ns}.far.operation.>`)
    ).filter((e) => /\.(started|succeeded|failed)\.v1$/.test(String(e['type'])));
    const after = ops.slice(ops.findIndex((e) => e['data']?.['operationId'] === terminated));
    expect(
      after.map((e) => `${String(e['type'])} ${String(e['data']?.['operationId'])}`),
      JSON.stringify(after),
    ).toEqual([
      `dev.flotilla.operation.started.v1 ${terminated}`,
      `dev.flotilla.operation.failed.v1 ${terminated}`,
    ]);
  }, 300_000);
});
