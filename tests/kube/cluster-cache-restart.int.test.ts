// The watch cache across a kube-apiserver restart, and across an apiserver that
// takes connections but does not answer (its process frozen with SIGSTOP). It
// runs on a control plane of its own (etcd stays up, only the apiserver is
// stopped and started), so the shared test cluster is not disturbed.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { clusterStatus, temporaryCluster, type TemporaryCluster } from '@flotilla/devcluster';
import {
  ApiError,
  ClusterCache,
  isClusterConnectionError,
  loadKubeConfig,
  rawRequest,
  watchRequest,
  type CacheEvent,
  type KubeConfig,
  type KindWatch,
} from '@flotilla/kube';
import { userCacheDir } from '@flotilla/runtime';
import { waitFor } from '@flotilla/testing';

const ns = 'restart';
const configMap = (name: string, v: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace: ns,
    annotations: { 'flotilla.dev/tracking-id': `flotilla_app:/ConfigMap:${ns}/${name}` },
  },
  data: { v },
});
const key = (name: string) => ({ group: '', kind: 'ConfigMap', namespace: ns, name });
const dataOf = (cache: ClusterCache, name: string) =>
  (cache.get(key(name)) as { data?: { v?: string } } | undefined)?.data?.v;
const watchOf = (cache: ClusterCache): KindWatch =>
  (cache as unknown as { kinds: Map<string, { watch: KindWatch }> }).kinds.get('/ConfigMap')!.watch;

describe('the cluster cache across an apiserver restart', () => {
  let cluster: TemporaryCluster;
  let kc: KubeConfig;
  let cache: ClusterCache;
  let fresh: ClusterCache | undefined;
  const reachability: string[] = [];
  const events: CacheEvent[] = [];

  /** Waits until the cache finds the cluster answering, then changes ConfigMap `a`. */
  const reachableThenSetA = async (v: string) => {
    await waitFor('reachable again', () => cache.unreachable() === undefined, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    await rawRequest(kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/a`,
      contentType: 'application/merge-patch+json',
      body: { data: { v } },
    });
  };

  beforeAll(async () => {
    cluster = await temporaryCluster({ cacheDir: userCacheDir(process.env), env: process.env });
    kc = loadKubeConfig(cluster.kubeconfig);
    await rawRequest(kc, {
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: ns } },
    });
    await rawRequest(kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: configMap('a', '1'),
    });
    cache = new ClusterCache(kc);
    cache.onReachability((down) => reachability.push(down ? 'down' : 'up'));
    cache.subscribe((e) => events.push(e));
    await cache.ensureKind('', 'ConfigMap');
    expect(dataOf(cache, 'a')).toBe('1');
  });
  afterAll(async () => {
    cache?.stop();
    fresh?.stop();
    await cluster?.[Symbol.asyncDispose]();
  });

  it('marks the cluster unreachable while the apiserver is down, and keeps what it knew', async () => {
    await cluster.stop('kube-apiserver');
    await waitFor('the cache notices', () => cache.unreachable() !== undefined, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(cache.unreachable()?.error.message).toMatch(/ECONNREFUSED|socket hang up|ECONNRESET/);
    expect(reachability).toEqual(['down']);
    // Nothing is forgotten: an unreachable cluster is not an empty one.
    expect(dataOf(cache, 'a')).toBe('1');
    expect(events.filter((e) => e.type === 'DELETED')).toEqual([]);
    // Asked now, it probes and still finds the cluster gone.
    expect(await cache.reachableNow()).toBe(false);
    expect(cache.unreachable()).toBeDefined();
    expect(reachability).toEqual(['down']);

    // A cache made while the apiserver is down fails clearly and knows why.
    fresh = new ClusterCache(kc);
    await expect(fresh.ensureKind('', 'ConfigMap')).rejects.toThrow(/ECONNREFUSED/);
    expect(fresh.unreachable()?.error.message).toMatch(/ECONNREFUSED/);
  });

  it('resumes its watches when the apiserver is back and sees changes made just after', async () => {
    const watch = watchOf(cache);
    const watchesBefore = watch.watches;
    await cluster.start('kube-apiserver');
    await reachableThenSetA('2');
    await rawRequest(kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: configMap('b', '1'),
    });
    await waitFor(
      'both changes in the cache',
      () => dataOf(cache, 'a') === '2' && dataOf(cache, 'b') === '1',
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    // The same cache and the same watch, re-established: no restart of either.
    expect(watchOf(cache)).toBe(watch);
    expect(watch.watches).toBeGreaterThan(watchesBefore);
    expect(reachability).toEqual(['down', 'up']);
    expect(
      events.some((e) => e.type === 'MODIFIED' && e.key.name === 'a' && dataOf(cache, 'a') === '2'),
    ).toBe(true);

    // The cache that never reached the cluster recovers too, at once when asked.
    expect(await fresh!.reachableNow()).toBe(true);
    expect(fresh!.unreachable()).toBeUndefined();
    await fresh!.ensureKind('', 'ConfigMap');
    expect(dataOf(fresh!, 'b')).toBe('1');
  });

  it('gives up on a watch the apiserver does not answer, and watches again once it answers', async () => {
    const pid = (await clusterStatus({ root: cluster.root })).components['kube-apiserver']?.pid;
    if (!pid) throw new Error('no kube-apiserver process');
    const watch = watchOf(cache);
    const watchesBefore = watch.watches;
    const thaw = () => {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    };
    // Frozen, the apiserver's port still takes connections (the kernel accepts them)
    // but nothing answers, as with a hung apiserver or a peer gone without a word.
    process.kill(pid, 'SIGSTOP');
    // Also when the test times out, so the cluster can be stopped after it.
    onTestFinished(thaw);
    try {
      const ended = await new Promise<Error | undefined>((resolve) => {
        void watchRequest(kc, `/api/v1/namespaces/${ns}/configmaps`, {}, () => undefined, resolve, {
          answerTimeoutMs: 1_000,
        });
      });
      expect(ended).toBeInstanceOf(ApiError);
      expect(ended?.message).toMatch(/not answered within 1 s/);
      expect(isClusterConnectionError(ended)).toBe(true);

      // The cache's own watch, asked to watch again now, fails the same way (after the
      // default wait): the cluster is marked unreachable rather than watched in silence.
      watch.resumeFrom(cache.get(key('a'))?.metadata?.resourceVersion ?? '');
      await waitFor('the cache notices', () => cache.unreachable() !== undefined, {
        timeoutMs: 90_000,
        intervalMs: 200,
      });
      expect(cache.unreachable()?.error.message).toBe('request timed out');
      expect(dataOf(cache, 'a')).toBe('2');
    } finally {
      thaw();
    }
    await reachableThenSetA('3');
    await waitFor('the change in the cache', () => dataOf(cache, 'a') === '3', {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    expect(watchOf(cache)).toBe(watch);
    expect(watch.watches).toBeGreaterThan(watchesBefore);
  });
});
