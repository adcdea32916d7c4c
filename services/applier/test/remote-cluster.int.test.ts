// Syncs into a second control plane named by an Argo CD-style cluster Secret
// (bearer token and CA): the same phases, hooks and prune as in-cluster, and
// nothing written to the applier's own cluster. Then its apiserver stops
// while a PreSync hook runs there, and again while a sync waits in wave 0: the
// sync is held (Running, waiting for the cluster it names, no retry spent) and
// completes once it answers again, the hook adopted rather than re-created.
// A held sync terminated with `flotilla app terminate-op` ends at once and
// nothing of it runs once the cluster is back; one held for many returns of
// its command still has its whole fault budget when it faults after.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { temporaryCluster, type TemporaryCluster } from '@flotilla/devcluster';
import {
  ApiError,
  loadKubeConfig,
  rawRequest,
  type KubeConfig,
  type KubeConnection,
} from '@flotilla/kube';
import { metrics, userCacheDir } from '@flotilla/runtime';
import { waitFor } from '@flotilla/testing';
import { RENDERED, startApplierHarness, type ApplierHarness } from './harness.js';
import { configMap, job } from './objects.js';

const exists = (kc: KubeConfig, path: string) =>
  rawRequest(kc, { method: 'GET', path })
    .then(() => true)
    .catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return false;
      throw err;
    });

const CLI = join(import.meta.dirname, '..', '..', '..', 'cli', 'bin', 'flotilla.mjs');

// Progressing until its status has an ingress point, which only the test gives it.
const edgeService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'edge', annotations: { 'argocd.argoproj.io/sync-wave': '0' } },
  spec: { type: 'LoadBalancer', selector: { app: 'edge' }, ports: [{ port: 80 }] },
};

describe('the applier and hook-runner syncing a cluster of a cluster Secret', () => {
  let h: ApplierHarness;
  let cluster: TemporaryCluster;
  let remote: KubeConnection;
  const dest = 'fleet-dest';

  beforeAll(async () => {
    h = await startApplierHarness();
    cluster = await temporaryCluster({ cacheDir: userCacheDir(process.env), env: process.env });
    remote = loadKubeConfig(cluster.kubeconfig);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await rawRequest(h.env.kube.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${h.ns}/secrets`,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'cluster-second',
          labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
        },
        data: {
          name: b64('second'),
          server: b64(cluster.server),
          config: b64(
            JSON.stringify({
              bearerToken: remote.user.token,
              tlsClientConfig: { caData: Buffer.from(remote.cluster.ca ?? '').toString('base64') },
            }),
          ),
        },
      },
    });
  });

  /** Runs `flotilla app terminate-op <name>`; returns what it printed on stderr. */
  const terminateOp = (name: string) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [CLI, 'app', 'terminate-op', name, '--kubeconfig', h.env.kube.kubeconfigPath, '-n', h.ns],
        (err, _stdout, stderr) =>
          err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stderr),
      );
    });

  /**
   * Syncs app `name` into `namespace` of the second cluster (a Service healthy only once
   * a test gives it an ingress point in wave 0, then `later` in later waves), stops the
   * second apiserver while the sync waits in wave 0, and waits for the operation held.
   */
  const holdInWave0 = async (
    name: string,
    namespace: string,
    later: readonly Record<string, unknown>[],
  ) => {
    await h.createApp(name, [edgeService, ...later], {
      destination: { name: 'second', namespace },
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    });
    const state = async () => (await h.app(name)).status?.operationState;
    await h.requestSync(name);
    await waitFor(
      'the sync waiting in wave 0 for the edge Service',
      async () => {
        const s = await state();
        return s?.phase === 'Running' && s.message?.includes('Service/edge') === true;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const startedAt = (await state())?.startedAt;
    await cluster.stop('kube-apiserver');
    // Whatever the test does, the next one finds the cluster up.
    onTestFinished(() => cluster.start('kube-apiserver'));
    await waitFor(
      'the operation held for the second cluster',
      async () =>
        (await state())?.message?.startsWith(
          `waiting for cluster second (${cluster.server}) since `,
        ) === true,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    return { state, startedAt };
  };

  afterAll(async () => {
    await h?.close();
    await cluster?.[Symbol.asyncDispose]();
  });

  it('runs the PreSync hook, applies and prunes in the second cluster only', async () => {
    const { dest: localDest } = await h.createApp(
      'fleet',
      [
        configMap('fleet-a'),
        configMap('fleet-b'),
        job('fleet-migrate', { 'argocd.argoproj.io/hook': 'PreSync' }),
      ],
      {
        destination: { name: 'second', namespace: dest },
        syncPolicy: { syncOptions: ['CreateNamespace=true'] },
      },
    );
    await h.requestSync('fleet');
    const first = (await h.finished('fleet')).status?.operationState;
    expect({ phase: first?.phase, message: first?.message }).toMatchObject({ phase: 'Succeeded' });
    const results = first?.syncResult?.resources ?? [];
    // A hook's row says how it ran (hookPhase); a resource's says it was applied (status).
    // Every result carries a hookPhase, Running for resources of the last wave as in Argo CD.
    expect(
      results.map(
        (r) => `${r.hookType ?? '-'} ${r.kind}/${r.name} ${r.hookType ? r.hookPhase : r.status}`,
      ),
    ).toEqual(
      expect.arrayContaining([
        'PreSync Job/fleet-migrate Succeeded',
        '- ConfigMap/fleet-a Synced',
        '- ConfigMap/fleet-b Synced',
      ]),
    );
    const cm = (name: string) => `/api/v1/namespaces/${dest}/configmaps/${name}`;
    expect(await exists(remote, cm('fleet-a'))).toBe(true);
    expect(await exists(remote, `/apis/batch/v1/namespaces/${dest}/jobs/fleet-migrate`)).toBe(true);
    // Nothing landed in the applier's own cluster.
    expect(await exists(h.env.kube.kc, cm('fleet-a'))).toBe(false);
    expect(await exists(h.env.kube.kc, `/api/v1/namespaces/${localDest}/configmaps/fleet-a`)).toBe(
      false,
    );

    // fleet-b leaves Git: a sync with prune deletes it there.
    await h.desired.setRendered(
      { namespace: h.ns, name: 'fleet' },
      {
        revisions: [RENDERED],
        hash: 'sha256:fleet-2',
        objects: [configMap('fleet-a')],
        warnings: [],
        renderedAt: new Date().toISOString(),
      },
    );
    await h.requestSync('fleet');
    const second = (await h.finished('fleet')).status?.operationState;
    expect({ phase: second?.phase, message: second?.message }).toMatchObject({
      phase: 'Succeeded',
    });
    expect((second?.syncResult?.resources ?? []).find((r) => r.name === 'fleet-b')?.status).toBe(
      'Pruned',
    );
    expect(await exists(remote, cm('fleet-b'))).toBe(false);
    expect(await exists(remote, cm('fleet-a'))).toBe(true);
  });

  it('holds a sync whose cluster stops answering while a hook runs there, and adopts the hook after', async () => {
    const dest3 = 'fleet-hook-outage';
    await h.createApp(
      'hooked',
      [
        // Long enough that a loaded machine still sees the sync wait for it before it ends.
        job(
          'slow-migrate',
          { 'argocd.argoproj.io/hook': 'PreSync' },
          { 'flotilla.dev/test-duration': '90s' },
        ),
        configMap('after-hook'),
      ],
      {
        destination: { name: 'second', namespace: dest3 },
        syncPolicy: { syncOptions: ['CreateNamespace=true'] },
      },
    );
    const state = async () => (await h.app('hooked')).status?.operationState;
    const jobPath = `/apis/batch/v1/namespaces/${dest3}/jobs/slow-migrate`;
    await h.requestSync('hooked');
    // The hook created in the second cluster while the operation runs. (Its progress
    // message may not be written yet: a quiet operation holds its progress 10 s.)
    let seen = '';
    await waitFor(
      'the sync running its hook in the second cluster',
      async () => {
        const s = await state();
        seen = `${s?.phase ?? 'no operation'}: ${s?.message ?? ''}`;
        return s?.phase === 'Running' && (await exists(remote, jobPath));
      },
      { timeoutMs: 180_000, intervalMs: 200 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the operation last showed "${seen}"`);
    });
    const uid = (
      await rawRequest<{ metadata: { uid: string } }>(remote, { method: 'GET', path: jobPath })
    ).metadata.uid;

    await cluster.stop('kube-apiserver');
    await waitFor(
      'the operation held for the second cluster',
      async () =>
        (await state())?.message?.startsWith(
          `waiting for cluster second (${cluster.server}) since `,
        ) === true,
      { timeoutMs: 180_000, intervalMs: 200 },
    );
    expect((await state())?.phase).toBe('Running');
    await cluster.start('kube-apiserver');

    const done = (await h.finished('hooked')).status?.operationState;
    expect({ phase: done?.phase, message: done?.message }).toMatchObject({ phase: 'Succeeded' });
    expect(done?.retryCount).toBeUndefined();
    const hook = done?.syncResult?.resources?.find((r) => r.name === 'slow-migrate');
    expect(hook?.hookPhase).toBe('Succeeded');
    // The same Job: the hold did not create the hook again.
    expect(
      (await rawRequest<{ metadata: { uid: string } }>(remote, { method: 'GET', path: jobPath }))
        .metadata.uid,
    ).toBe(uid);
    const names = (await h.events('hooked')).map((e) => e['name'] as string);
    expect(names.filter((n) => n === 'hook.started')).toHaveLength(1);
    expect(names.filter((n) => n === 'operation.started')).toHaveLength(1);
    expect(await exists(remote, `/api/v1/namespaces/${dest3}/configmaps/after-hook`)).toBe(true);
    expect(await exists(h.env.kube.kc, `/api/v1/namespaces/${dest3}`)).toBe(false);
  }, 600_000);

  it('holds a sync whose cluster stops answering mid-sync, and completes it when it is back', async () => {
    const dest2 = 'fleet-outage';
    // A manual sync without `retry`: before the hold, an outage ended it in Error at once.
    const { state, startedAt } = await holdInWave0('outage', dest2, [
      configMap('late', { 'argocd.argoproj.io/sync-wave': '1' }),
      configMap('later', { 'argocd.argoproj.io/sync-wave': '2' }),
    ]);
    const held = await state();
    expect(held?.phase).toBe('Running');
    expect(held?.message).toMatch(/, for up to 600 s: .*(ECONNREFUSED|ECONNRESET|socket hang up)/);
    // The same attempt, no retry spent, and what wave 0 did is kept.
    expect(held?.startedAt).toBe(startedAt);
    expect(held?.retryCount).toBeUndefined();
    expect(held?.syncResult?.resources?.map((r) => `${r.kind}/${r.name} ${r.status}`)).toContain(
      'Service/edge Synced',
    );
    // It stays held while the cluster is down (the command comes back every 2 s), across
    // a restart of the applier: the next one keeps counting from the same moment.
    await h.stopApplier(0);
    await h.startApplier();
    const redis = new Redis(h.env.redis.url);
    try {
      const tokens = () => redis.get(`flotilla:lease:sync:${h.ns}/outage:token`).then(Number);
      const before = await tokens();
      await waitFor(
        'the new applier to take the held operation twice',
        async () => (await tokens()) >= before + 2,
        {
          timeoutMs: 60_000,
          intervalMs: 200,
        },
      );
    } finally {
      redis.disconnect();
    }
    const still = await state();
    expect(still?.phase).toBe('Running');
    expect(still?.message).toBe(held?.message);
    expect(still?.retryCount).toBeUndefined();

    await cluster.start('kube-apiserver');
    await waitFor(
      'the sync waiting in wave 0 again',
      async () => {
        const s = await state();
        return s?.phase === 'Running' && s.message?.includes('Service/edge') === true;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    const svc = `/api/v1/namespaces/${dest2}/services/edge`;
    // Wave 1 has not run yet.
    expect(await exists(remote, `/api/v1/namespaces/${dest2}/configmaps/late`)).toBe(false);
    await rawRequest(remote, {
      method: 'PATCH',
      path: `${svc}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } },
    });
    const done = (await h.finished('outage')).status?.operationState;
    expect({ phase: done?.phase, message: done?.message }).toMatchObject({ phase: 'Succeeded' });
    expect(done?.startedAt).toBe(startedAt);
    expect(done?.retryCount).toBeUndefined();
    expect(await exists(remote, `/api/v1/namespaces/${dest2}/configmaps/late`)).toBe(true);
    expect(await exists(remote, `/api/v1/namespaces/${dest2}/configmaps/later`)).toBe(true);
    // Nothing of it in the applier's own cluster.
    expect(await exists(h.env.kube.kc, `/api/v1/namespaces/${dest2}`)).toBe(false);
  });

  it('ends a held sync at once when it is terminated, and nothing of it runs once the cluster is back', async () => {
    const dest4 = 'fleet-held-terminate';
    const { state, startedAt } = await holdInWave0('held-stop', dest4, [
      configMap('held-late', { 'argocd.argoproj.io/sync-wave': '1' }),
    ]);
    // As a user does: `flotilla app terminate-op`.
    const out = await terminateOp('held-stop');
    expect(out).toContain(`termination of the operation of ${h.ns}/held-stop requested`);
    await waitFor(
      'the held operation to end',
      async () => !['Running', 'Terminating'].includes((await state())?.phase ?? 'Running'),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const app = await h.app('held-stop');
    const ended = app.status?.operationState;
    expect({ phase: ended?.phase, message: ended?.message }).toEqual({
      phase: 'Failed',
      message: 'Operation terminated',
    });
    expect(ended?.startedAt).toBe(startedAt);
    expect(ended?.retryCount).toBeUndefined();
    expect(app.operation).toBeUndefined();
    // Wave 0's results are kept; nothing of wave 1 ran.
    const kept = ended?.syncResult?.resources?.map((r) => `${r.kind}/${r.name} ${r.status}`);
    expect(kept).toContain('Service/edge Synced');
    expect(kept?.filter((r) => r.startsWith('ConfigMap/'))).toEqual([]);
    const redis = new Redis(h.env.redis.url);
    try {
      await waitFor(
        'the lease released',
        async () => (await redis.exists(`flotilla:lease:sync:${h.ns}/held-stop`)) === 0,
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    } finally {
      redis.disconnect();
    }
    const operationEvents = async () =>
      (await h.events('held-stop'))
        .map((e) => e['name'] as string)
        .filter((n) => ['started', 'succeeded', 'failed'].some((s) => n === `operation.${s}`));
    expect(await operationEvents()).toEqual(['operation.started', 'operation.failed']);

    // The cluster answers again and wave 0 turns healthy: a run of the terminated
    // operation would now go on to wave 1.
    await cluster.start('kube-apiserver');
    const svc = `/api/v1/namespaces/${dest4}/services/edge`;
    await rawRequest(remote, {
      method: 'PATCH',
      path: `${svc}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.11' }] } } },
    });
    // Another app's sync into the same cluster completes: the applier saw it back.
    await h.createApp('held-after', [configMap('held-after')], {
      destination: { name: 'second', namespace: dest4 },
    });
    await h.requestSync('held-after');
    expect((await h.finished('held-after')).status?.operationState?.phase).toBe('Succeeded');
    expect(await exists(remote, `/api/v1/namespaces/${dest4}/configmaps/held-after`)).toBe(true);
    expect(await exists(remote, `/api/v1/namespaces/${dest4}/configmaps/held-late`)).toBe(false);
    expect((await state())?.finishedAt).toBe(ended?.finishedAt);
    expect(await operationEvents()).toEqual(['operation.started', 'operation.failed']);
  }, 600_000);

  it('keeps its fault budget through a long hold: one fault after it does not end the operation', async () => {
    const dest5 = 'fleet-held-fault';
    const { state, startedAt } = await holdInWave0('held-fault', dest5, [
      configMap('fault-late', { 'argocd.argoproj.io/sync-wave': '1' }),
    ]);
    const redis = new Redis(h.env.redis.url);
    const desiredKey = `flotilla:desired:${h.ns}/held-fault`;
    const rendered = await redis.get(desiredKey);
    try {
      // Held for more deliveries of its command than the applier's fault attempts (3)
      // and the bus's dead-letter limit (5): one lease per delivery.
      const tokens = () => redis.get(`flotilla:lease:sync:${h.ns}/held-fault:token`).then(Number);
      const before = await tokens();
      await waitFor(
        'the command delivered 8 times more',
        async () => (await tokens()) >= before + 8,
        {
          timeoutMs: 120_000,
          intervalMs: 500,
        },
      );
      expect((await state())?.phase).toBe('Running');

      // One fault once the cluster answers: the desired state cannot be read.
      const faults = async () =>
        (await metrics.work.get()).values
          .filter((v) => v.labels['kind'] === 'sync' && v.labels['outcome'] !== 'done')
          .filter((v) => v.labels['outcome'] !== 'wait')
          .reduce((n, v) => n + v.value, 0);
      const faultsBefore = await faults();
      await redis.set(desiredKey, 'not json');
      // Watched while it starts: the applier may find it answering before start() returns.
      const started = cluster.start('kube-apiserver');
      await waitFor(
        'a delivery failing with the fault, or the operation ending',
        async () => (await faults()) > faultsBefore || (await state())?.phase !== 'Running',
        { timeoutMs: 120_000, intervalMs: 50 },
      );
      await redis.set(desiredKey, rendered ?? '');
      await started;
    } finally {
      redis.disconnect();
    }
    // The same attempt goes on: it waits in wave 0 again.
    await waitFor(
      'the sync waiting in wave 0 again',
      async () => {
        const s = await state();
        return s?.phase !== 'Running' || s.message?.includes('Service/edge') === true;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    expect((await state())?.phase).toBe('Running');
    await rawRequest(remote, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${dest5}/services/edge/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.12' }] } } },
    });
    const done = (await h.finished('held-fault')).status?.operationState;
    expect({ phase: done?.phase, message: done?.message }).toMatchObject({ phase: 'Succeeded' });
    expect(done?.startedAt).toBe(startedAt);
    expect(done?.retryCount).toBeUndefined();
    expect(await exists(remote, `/api/v1/namespaces/${dest5}/configmaps/fault-late`)).toBe(true);
  }, 600_000);
});
