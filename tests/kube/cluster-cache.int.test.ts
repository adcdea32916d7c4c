import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCache, rawRequest, serverSideApply, type CacheEvent } from '@flotilla/kube';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';

const deployment = (ns: string, name: string, tracked: boolean, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name,
    namespace: ns,
    ...(tracked
      ? {
          annotations: { 'flotilla.dev/tracking-id': `flotilla_app:apps/Deployment:${ns}/${name}` },
        }
      : {}),
  },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    },
  },
});

describe('the watch-based cluster cache', () => {
  let env: TestEnv;
  let cache: ClusterCache;
  let ns: string;
  const events: CacheEvent[] = [];

  beforeAll(async () => {
    env = await startEnv({ kube: true });
    ns = await env.kube.namespace();
    cache = new ClusterCache(env.kube.kc);
    cache.subscribe((e) => {
      if (e.key.namespace === ns) events.push(e);
    });
  });
  afterAll(async () => {
    cache.stop();
    await env[Symbol.asyncDispose]();
  });

  it('keeps tracked objects of watched kinds and drops the rest', async () => {
    await serverSideApply(env.kube.objects, deployment(ns, 'tracked', true));
    await serverSideApply(env.kube.objects, deployment(ns, 'other', false));
    const info = await cache.ensureKind('apps', 'Deployment');
    expect(info).toMatchObject({ plural: 'deployments', namespaced: true, version: 'v1' });
    expect(
      cache.get({ group: 'apps', kind: 'Deployment', namespace: ns, name: 'tracked' }),
    ).toBeDefined();
    expect(
      cache.get({ group: 'apps', kind: 'Deployment', namespace: ns, name: 'other' }),
    ).toBeUndefined();
    expect(cache.stats().bytes).toBeGreaterThan(0);
  });

  it("finds an app's objects by its tracking id, following edits and deletes", async () => {
    await cache.ensureKind('apps', 'Deployment');
    const app = { namespace: 'flotilla', name: 'app' };
    // The first case's `tracked` is this app's too.
    const names = () =>
      cache
        .trackedBy(app)
        .map((o) => o.metadata?.name ?? '')
        .filter((n) => n.startsWith('owned-'))
        .sort();
    await serverSideApply(env.kube.objects, deployment(ns, 'owned-a', true));
    await serverSideApply(env.kube.objects, deployment(ns, 'owned-b', true));
    await waitFor('both indexed', () => names().join() === 'owned-a,owned-b', {
      timeoutMs: 10_000,
    });
    // Another app's id moves the object out of this app's index.
    const moved = deployment(ns, 'owned-b', true);
    moved.metadata.annotations = {
      'flotilla.dev/tracking-id': `flotilla_other:apps/Deployment:${ns}/owned-b`,
    };
    await serverSideApply(env.kube.objects, moved);
    await waitFor('moved to the other app', () => names().join() === 'owned-a', {
      timeoutMs: 10_000,
    });
    expect(
      cache.trackedBy({ namespace: 'flotilla', name: 'other' }).map((o) => o.metadata?.name),
    ).toEqual(['owned-b']);
    await rawRequest(env.kube.kc, {
      method: 'DELETE',
      path: `/apis/apps/v1/namespaces/${ns}/deployments/owned-a`,
    });
    await waitFor('deleted', () => names().length === 0, { timeoutMs: 10_000 });
    // Lookups by key and by tracking id together, each object once.
    const key = { group: 'apps', kind: 'Deployment', namespace: ns, name: 'owned-b' };
    expect(
      cache
        .among([key], { app: { namespace: 'flotilla', name: 'other' }, accept: () => true })
        .map((o) => o.metadata?.name),
    ).toEqual(['owned-b']);
  });

  it('sees a manual edit of a managed object from the watch', async () => {
    const key = { group: 'apps', kind: 'Deployment', namespace: ns, name: 'tracked' };
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${ns}/deployments/tracked`,
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 3 } },
    });
    await waitFor('the edit in the cache', () => (cache.get(key) as any)?.spec?.replicas === 3, {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    expect(
      events.some(
        (e) =>
          e.type === 'MODIFIED' &&
          e.key.name === 'tracked' &&
          (e.previous as any)?.spec?.replicas === 1,
      ),
    ).toBe(true);
  });

  it('fetches and keeps an untracked object once an app wants it', async () => {
    await rawRequest(env.kube.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' }, data: { a: '1' } },
    });
    const key = { group: '', kind: 'ConfigMap', namespace: ns, name: 'plain' };
    await cache.ensureKind('', 'ConfigMap');
    expect(cache.get(key)).toBeUndefined();
    await cache.want([key]);
    expect((cache.get(key) as any)?.data).toEqual({ a: '1' });
    await rawRequest(env.kube.kc, {
      method: 'DELETE',
      path: `/api/v1/namespaces/${ns}/configmaps/plain`,
    });
    await waitFor('deletion seen', () => cache.get(key) === undefined, {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
  });

  it('relists when its resourceVersion has expired (410 Gone)', async (ctx) => {
    // Only an apiserver whose watch window has moved past version 1 answers 410
    // for it; a cluster started seconds ago may still serve it.
    const probe = await rawRequest<string>(env.kube.kc, {
      method: 'GET',
      path: '/apis/apps/v1/deployments',
      query: { watch: '1', resourceVersion: '1', timeoutSeconds: '1' },
    }).catch((e: unknown) => String(e));
    const text = typeof probe === 'string' ? probe : JSON.stringify(probe);
    if (!text.includes('"code":410')) ctx.skip();
    await cache.ensureKind('apps', 'Deployment');
    const entry = (cache as any).kinds.get('apps/Deployment');
    const watch = entry.watch;
    const lists = watch.lists;
    // A version long compacted away: the apiserver answers 410 Gone.
    watch.resumeFrom('1');
    await waitFor('a relist', () => watch.lists > lists, { timeoutMs: 30_000, intervalMs: 50 });
    await serverSideApply(env.kube.objects, deployment(ns, 'after-relist', true));
    await waitFor(
      'watching again',
      () =>
        cache.get({ group: 'apps', kind: 'Deployment', namespace: ns, name: 'after-relist' }) !==
        undefined,
      { timeoutMs: 10_000 },
    );
  });

  it('follows a CRD that appears and disappears', async () => {
    const group = `t${Date.now()}.example.com`;
    expect(await cache.ensureKind(group, 'Widget')).toBeUndefined();
    await rawRequest(env.kube.kc, {
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          ],
        },
      },
    });
    try {
      await waitFor(
        'CRD served',
        async () => (await cache.ensureKind(group, 'Widget')) !== undefined,
        { timeoutMs: 20_000, intervalMs: 500 },
      );
      // A tracked custom resource is cached...
      // The endpoint may lag discovery by a moment; retry the create until it answers.
      await waitFor(
        'widget created',
        () =>
          rawRequest(env.kube.kc, {
            method: 'POST',
            path: `/apis/${group}/v1/namespaces/${ns}/widgets`,
            body: {
              apiVersion: `${group}/v1`,
              kind: 'Widget',
              metadata: {
                name: 'w',
                annotations: { 'flotilla.dev/tracking-id': `flotilla_app:${group}/Widget:${ns}/w` },
              },
            },
          }).then(
            () => true,
            (e: unknown) => (e as { status?: number }).status === 409,
          ),
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      const key = { group, kind: 'Widget', namespace: ns, name: 'w' };
      await waitFor('widget cached', () => cache.get(key) !== undefined, { timeoutMs: 10_000 });
    } finally {
      await rawRequest(env.kube.kc, {
        method: 'DELETE',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`,
      });
    }
    // ...and forgotten with its kind when the CRD goes away.
    await waitFor(
      'widget gone with its CRD',
      () => cache.get({ group, kind: 'Widget', namespace: ns, name: 'w' }) === undefined,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
      },
    );
    await waitFor(
      'kind no longer served',
      async () => (await cache.ensureKind(group, 'Widget')) === undefined,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  });
});
