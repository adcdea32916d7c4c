// Syncs into a second control plane named by an Argo CD-style cluster Secret
// (bearer token and CA): the same phases, hooks and prune as in-cluster, and
// nothing written to the applier's own cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryCluster, type TemporaryCluster } from '@flotilla/devcluster';
import { ApiError, loadKubeConfig, rawRequest, type KubeConfig } from '@flotilla/kube';
import { userCacheDir } from '@flotilla/runtime';
import { RENDERED, startApplierHarness, type ApplierHarness } from './harness.js';
import { configMap, job } from './objects.js';

const exists = (kc: KubeConfig, path: string) =>
  rawRequest(kc, { method: 'GET', path })
    .then(() => true)
    .catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return false;
      throw err;
    });

describe('the applier and hook-runner syncing a cluster of a cluster Secret', () => {
  let h: ApplierHarness;
  let cluster: TemporaryCluster;
  let remote: KubeConfig;
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
              bearerToken: remote.getCurrentUser()!.token,
              tlsClientConfig: { caData: remote.getCurrentCluster()!.caData },
            }),
          ),
        },
      },
    });
  });

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
});
