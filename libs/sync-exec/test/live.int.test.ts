// Live reads and waits of the executor against a real apiserver: the cache
// first, the apiserver when the cache has not seen an object yet, waits that
// end when the object is gone, and the best-effort hook log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCache, deleteObject, serverSideApply } from '@flotilla/kube';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { hookLogTail, liveObject, waitGone } from '../src/index.js';

describe('live reads and waits', () => {
  let env: TestEnv;
  let ns: string;
  let cache: ClusterCache;
  const cm = (name: string) => ({ group: '', kind: 'ConfigMap', namespace: ns, name });
  beforeAll(async () => {
    env = await startEnv({ kube: true });
    ns = await env.kube.namespace('live');
    cache = new ClusterCache(env.kube.kc);
  });
  afterAll(async () => {
    cache?.stop();
    await env?.[Symbol.asyncDispose]();
  });

  it('reads an object the cache has not seen from the apiserver, and a missing one as undefined', async () => {
    await serverSideApply(env.kube.objects, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'untracked', namespace: ns },
      data: { a: '1' },
    });
    // Untracked and never wanted: the cache keeps no copy, so this is a direct read.
    expect(cache.get(cm('untracked'))).toBeUndefined();
    const live = (await liveObject(env.kube.kc, cache, cm('untracked'))) as { data?: unknown };
    expect(live?.data).toEqual({ a: '1' });
    expect(await liveObject(env.kube.kc, cache, cm('absent'))).toBeUndefined();
  });

  it('waits until an object is gone', async () => {
    await serverSideApply(env.kube.objects, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'doomed', namespace: ns },
    });
    await cache.want([cm('doomed')]);
    const gone = waitGone(env.kube.kc, cache, cm('doomed'), AbortSignal.timeout(60_000));
    await deleteObject(env.kube.kc, cache.discovery, cm('doomed'));
    await gone;
    expect(await liveObject(env.kube.kc, cache, cm('doomed'))).toBeUndefined();
  });

  it('gives no log for a Job without pods or a kind without logs, rather than failing', async () => {
    expect(
      await hookLogTail(env.kube.kc, { group: 'batch', kind: 'Job', namespace: ns, name: 'none' }),
    ).toBeUndefined();
    expect(await hookLogTail(env.kube.kc, cm('untracked'))).toBeUndefined();
  });
});
