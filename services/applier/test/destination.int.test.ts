// The applier applies only to the cluster an app names: an unknown destination,
// or a cluster Secret whose authentication it cannot use, ends the operation in
// Error with nothing applied anywhere. Syncs into other clusters:
// remote-cluster.int.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, rawRequest } from '@flotilla/kube';
import { freePort } from '@flotilla/runtime';
import { waitFor } from '@flotilla/testing';
import { RENDERED, startApplierHarness, type ApplierHarness } from './harness.js';
import { configMap } from './objects.js';

describe('the applier and destination clusters', () => {
  let h: ApplierHarness;
  beforeAll(async () => {
    // A short wait for a cluster that does not answer, so the retry policy decides soon.
    h = await startApplierHarness({ applierEnv: { FLOTILLA_SYNC_CLUSTER_WAIT_SECONDS: '2' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const localConfigMap = (ns: string, name: string) =>
    rawRequest(h.env.kube.kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${ns}/configmaps/${name}`,
    })
      .then(() => true)
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return false;
        throw err;
      });

  it('ends in Error for a destination no cluster Secret names, applying nothing', async () => {
    const dest = await h.env.kube.namespace('dest');
    await h.createApp('nowhere', [configMap('cm-nowhere')], {
      destination: { server: 'https://10.255.255.1:6443', namespace: dest },
    });
    await h.requestSync('nowhere');
    const state = (await h.finished('nowhere')).status?.operationState;
    expect(state?.phase).toBe('Error');
    expect(state?.message).toContain('no cluster Secret for destination https://10.255.255.1:6443');
    expect(await localConfigMap(dest, 'cm-nowhere')).toBe(false);
  });

  it('ends in Error for a cluster Secret with execProviderConfig, saying it is not supported yet', async () => {
    const dest = await h.env.kube.namespace('dest');
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await rawRequest(h.env.kube.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${h.ns}/secrets`,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'cluster-far', labels: { 'flotilla.dev/secret-type': 'cluster' } },
        data: {
          name: b64('far'),
          server: b64('https://far.example.com:6443'),
          config: b64(
            JSON.stringify({
              execProviderConfig: {
                command: 'argocd-k8s-auth',
                args: ['--token', 'not-a-real-token'],
              },
            }),
          ),
        },
      },
    });
    await h.createApp('far', [configMap('cm-far')], {
      destination: { name: 'far', namespace: dest },
    });
    await h.requestSync('far');
    const state = (await h.finished('far')).status?.operationState;
    expect(state?.phase).toBe('Error');
    expect(state?.message).toContain(
      'cluster far (https://far.example.com:6443): execProviderConfig is not supported yet',
    );
    expect(state?.message).not.toContain('not-a-real-token');
    expect(await localConfigMap(dest, 'cm-far')).toBe(false);
  });

  it('holds a sync into a cluster that never answered, then retries it by its retry policy, naming the cluster', async () => {
    const dest = await h.env.kube.namespace('dest');
    const server = `https://127.0.0.1:${await freePort()}`;
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await rawRequest(h.env.kube.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${h.ns}/secrets`,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'cluster-closed', labels: { 'flotilla.dev/secret-type': 'cluster' } },
        data: {
          name: b64('closed'),
          server: b64(server),
          config: b64(JSON.stringify({ bearerToken: 'closed-port-token' })),
        },
      },
    });
    await h.createApp('closed', [configMap('cm-closed')], {
      destination: { name: 'closed', namespace: dest },
    });
    // No cache of that cluster was ever filled: the attempt is held on its first request
    // for the cluster wait (2 s here), then ends, and the app's retry policy (not the
    // applier's fault attempts) decides what follows.
    await h.requestSync('closed', {
      sync: { revision: RENDERED },
      retry: { limit: 2, backoff: { duration: '1s', factor: 1 } },
    });
    await waitFor(
      'the sync held for the cluster',
      async () => {
        const s = (await h.app('closed')).status?.operationState;
        return s?.message?.startsWith(`waiting for cluster closed (${server}) since `) === true;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const state = (await h.finished('closed')).status?.operationState;
    expect(state?.phase).toBe('Error');
    expect(state?.message).toContain(`cluster closed (${server}) is unreachable: `);
    expect(state?.message).toContain('ECONNREFUSED');
    expect(state?.message).toContain('(waited 2 s for it)');
    expect(state?.message).toMatch(/\(retried 2 times\)\.$/);
    expect(state?.message).not.toContain('closed-port-token');
    expect(await localConfigMap(dest, 'cm-closed')).toBe(false);
  });

  it('syncs a destination given by the in-cluster name', async () => {
    const dest = await h.env.kube.namespace('dest');
    await h.createApp('home', [configMap('cm-home')], {
      destination: { name: 'in-cluster', namespace: dest },
    });
    await h.requestSync('home');
    expect((await h.finished('home')).status?.operationState?.phase).toBe('Succeeded');
    expect(await localConfigMap(dest, 'cm-home')).toBe(true);
  });
});
