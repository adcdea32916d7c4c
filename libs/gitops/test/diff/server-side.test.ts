import { describe, expect, it, vi } from 'vitest';
import {
  DryRunCache,
  cachedDryRun,
  desiredHash,
  diffApp,
  revertWebhookMutations,
  type DiffObject,
  type ServerSideDryRun,
} from '../../src/diff/index.js';
import { appInput, testdata } from './fixtures.js';

// The dry run of an unchanged manifest: what the server would store, i.e.
// live with a fresh managedFields time.
const predictedFromLive = (edit: (obj: Record<string, any>) => void = () => undefined) => {
  const predicted = testdata('deployment-live.yaml');
  predicted['metadata']['managedFields'][0]['time'] = '2026-03-02T08:00:00Z';
  edit(predicted);
  return predicted;
};
const run = (dryRun: ServerSideDryRun, live: DiffObject = testdata('deployment-live.yaml')) =>
  diffApp(appInput([testdata('deployment-desired.yaml')], [live], { serverSideDryRun: dryRun }));

describe('server-side diff', () => {
  it('finds a Deployment that omits defaulted fields Synced', async () => {
    const { resources, summary } = await run(async () => predictedFromLive());
    expect(resources[0]).toMatchObject({ status: 'Synced', mode: 'server-side', diff: '' });
    expect(summary.status).toBe('Synced');
  });

  it('dry-runs the object the applier will apply: namespaced and tracked', async () => {
    const dryRun = vi.fn<ServerSideDryRun>(async () => predictedFromLive());
    await run(dryRun);
    const [desired, live, key] = dryRun.mock.calls[0] ?? [];
    expect(desired).toMatchObject({
      metadata: {
        namespace: 'shop',
        annotations: { 'flotilla.dev/tracking-id': 'flotilla_shop:apps/Deployment:shop/web' },
      },
    });
    expect(live).toMatchObject({ metadata: { resourceVersion: '48213' } });
    expect(key).toEqual({ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' });
  });

  it('shows what the apply would change', async () => {
    const { resources } = await run(async () =>
      predictedFromLive((p) => {
        p['spec']['template']['spec']['containers'][0]['image'] = 'nginx:1.28';
        p['metadata']['generation'] = 4;
      }),
    );
    expect(resources[0]).toMatchObject({
      status: 'OutOfSync',
      mode: 'server-side',
      changedPaths: ['/spec/template/spec/containers/0/image'],
    });
    expect(resources[0]?.diff).toContain(
      '-          image: nginx:1.27\n+          image: nginx:1.28',
    );
  });

  it('falls back to the structural comparison when no dry run is possible', async () => {
    const { resources } = await run(async () => undefined);
    expect(resources[0]).toMatchObject({ status: 'Synced', mode: 'structural' });
  });

  it('does not dry-run a Missing resource or a kind the cluster does not know', async () => {
    const dryRun = vi.fn<ServerSideDryRun>(async () => undefined);
    const widget = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'shop' },
    };
    const liveWidget = { ...widget, metadata: { ...widget.metadata } };
    const { resources } = await diffApp(
      appInput([testdata('deployment-desired.yaml'), widget], [liveWidget], {
        serverSideDryRun: dryRun,
      }),
    );
    expect(resources.map((r) => r.status)).toEqual(['Missing', 'OutOfSync']);
    expect(dryRun).not.toHaveBeenCalled();
  });

  it('reports a failed dry run as an error of that resource, and the app Unknown', async () => {
    const { resources, summary } = await run(async () => {
      throw new Error('admission webhook "validate.shop" denied the request');
    });
    expect(resources[0]).toMatchObject({
      status: 'Error',
      message: expect.stringContaining('denied the request'),
    });
    expect(summary).toMatchObject({ status: 'Unknown' });
    expect(summary.conditions[0]?.type).toBe('ComparisonError');
  });
});

describe('DryRunCache', () => {
  const key = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };

  it('dry-runs once per desired content and live resourceVersion', async () => {
    const dryRun = vi.fn<ServerSideDryRun>(async () => predictedFromLive());
    const cached = cachedDryRun(dryRun, new DryRunCache());
    await run(cached);
    await run(cached);
    expect(dryRun).toHaveBeenCalledTimes(1);
    const newer = testdata('deployment-live.yaml');
    newer['metadata']['resourceVersion'] = '48300';
    await run(cached, newer);
    expect(dryRun).toHaveBeenCalledTimes(2);
  });

  it('hands out copies, so a caller cannot change what is cached', async () => {
    const cache = new DryRunCache();
    const desired = testdata('deployment-desired.yaml');
    const live = testdata('deployment-live.yaml');
    cache.set(key, desired, live, predictedFromLive());
    const first = cache.get(key, desired, live);
    (first as any).spec.replicas = 99;
    expect((cache.get(key, desired, live) as any).spec.replicas).toBe(2);
  });

  it('evicts the least recently used entry', () => {
    const cache = new DryRunCache(2);
    const live = (rv: string) => ({ metadata: { resourceVersion: rv } });
    const desired = { kind: 'ConfigMap' };
    cache.set(key, desired, live('1'), { n: 1 });
    cache.set(key, desired, live('2'), { n: 2 });
    cache.get(key, desired, live('1'));
    cache.set(key, desired, live('3'), { n: 3 });
    expect(cache.size).toBe(2);
    expect(cache.get(key, desired, live('2'))).toBeUndefined();
    expect(cache.get(key, desired, live('1'))).toEqual({ n: 1 });
  });

  it('keeps predictions equal to live as a hash, so a resync of 10,000 resources dry-runs none', async () => {
    const dryRun = vi.fn<ServerSideDryRun>(async (_d, live) => structuredClone(live));
    const cache = new DryRunCache();
    const cached = cachedDryRun(dryRun, cache);
    const resources = Array.from({ length: 10_000 }, (_, i) => ({
      key: { group: '', kind: 'ConfigMap', namespace: 'apps', name: `app-${i}` },
      desired: { kind: 'ConfigMap', data: { n: String(i) } },
      live: {
        kind: 'ConfigMap',
        metadata: { resourceVersion: String(i + 1) },
        data: { n: String(i) },
      },
    }));
    for (const r of resources) await cached(r.desired, r.live, r.key);
    expect(dryRun).toHaveBeenCalledTimes(10_000);
    expect(cache.fullSize).toBe(0);
    for (const r of resources) {
      expect(await cached(r.desired, r.live, r.key)).toEqual(r.live);
    }
    expect(dryRun).toHaveBeenCalledTimes(10_000);
    // A new live resourceVersion is a new dry run.
    const r = resources[7]!;
    await cached(r.desired, { ...r.live, metadata: { resourceVersion: '99999' } }, r.key);
    expect(dryRun).toHaveBeenCalledTimes(10_001);
  });

  it('serves a copy of live for a prediction that equalled it', () => {
    const cache = new DryRunCache();
    const live = { kind: 'ConfigMap', metadata: { resourceVersion: '5' }, data: { a: '1' } };
    cache.set(key, { kind: 'ConfigMap' }, live, structuredClone(live));
    const hit = cache.get(key, { kind: 'ConfigMap' }, live) as any;
    expect(hit).toEqual(live);
    expect(hit).not.toBe(live);
    hit.data.a = 'changed';
    expect(live.data.a).toBe('1');
    expect(cache.get(key, { kind: 'ConfigMap', data: {} }, live)).toBeUndefined();
  });

  it('keeps full objects only for predictions that differ, each kind bounded', () => {
    const cache = new DryRunCache(2, 3);
    const live = (rv: string) => ({ metadata: { resourceVersion: rv } });
    const desired = { kind: 'ConfigMap' };
    for (const rv of ['1', '2', '3', '4']) cache.set(key, desired, live(rv), live(rv));
    for (const rv of ['5', '6', '7']) cache.set(key, desired, live(rv), { n: rv });
    expect(cache.fullSize).toBe(2);
    expect(cache.size).toBe(5);
    // The oldest of each kind went first; differing predictions evicted no unchanged one.
    expect(cache.get(key, desired, live('1'))).toBeUndefined();
    expect(cache.get(key, desired, live('2'))).toEqual(live('2'));
    expect(cache.get(key, desired, live('4'))).toEqual(live('4'));
    expect(cache.get(key, desired, live('5'))).toBeUndefined();
    expect(cache.get(key, desired, live('7'))).toEqual({ n: '7' });
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('does not cache without a resourceVersion', () => {
    const cache = new DryRunCache();
    cache.set(key, {}, { metadata: {} }, { n: 1 });
    expect(cache.size).toBe(0);
  });

  it('hashes desired independent of key order', () => {
    expect(desiredHash({ a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(
      desiredHash({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 }),
    );
    expect(desiredHash({ a: 1 })).not.toBe(desiredHash({ a: 2 }));
  });
});

describe('mutating webhooks in a server-side diff', () => {
  // What a webhook adds in the dry run and no manager owns: an injected
  // sidecar and an annotation, neither (yet) in live.
  const mutated = () =>
    predictedFromLive((p) => {
      p['metadata']['annotations']['sidecar.example.com/status'] = 'injected v2';
      p['spec']['template']['spec']['containers'].push({ name: 'proxy', image: 'proxy:2' });
    });
  const desiredWith = (annotations: Record<string, string>) => {
    const d = testdata('deployment-desired.yaml');
    d['metadata']['annotations'] = annotations;
    return d;
  };

  it('are not drift by default, as in Argo CD', async () => {
    const { resources } = await run(async () => mutated());
    expect(resources[0]).toMatchObject({ status: 'Synced', mode: 'server-side' });
  });

  it('are drift with compare-options IncludeMutationWebhook=true', async () => {
    const { resources } = await diffApp(
      appInput(
        [desiredWith({ 'argocd.argoproj.io/compare-options': 'IncludeMutationWebhook=true' })],
        [testdata('deployment-live.yaml')],
        { serverSideDryRun: async () => mutated() },
      ),
    );
    expect(resources[0]?.status).toBe('OutOfSync');
    expect(resources[0]?.changedPaths).toEqual(
      expect.arrayContaining([
        '/metadata/annotations/sidecar.example.com~1status',
        '/spec/template/spec/containers/1',
      ]),
    );
  });

  it('are not drift when the Flotilla spelling turns IncludeMutationWebhook off again', async () => {
    const { resources } = await diffApp(
      appInput(
        [
          desiredWith({
            'argocd.argoproj.io/compare-options': 'IncludeMutationWebhook=true',
            'flotilla.dev/compare-options': 'IncludeMutationWebhook=false',
          }),
        ],
        [testdata('deployment-live.yaml')],
        { serverSideDryRun: async () => mutated() },
      ),
    );
    expect(resources[0]).toMatchObject({ status: 'Synced', mode: 'server-side' });
  });

  it('still shows a change to a field a manager owns', async () => {
    const { resources } = await run(async () =>
      predictedFromLive((p) => {
        p['spec']['template']['spec']['containers'][0]['image'] = 'nginx:1.28';
        p['spec']['template']['spec']['containers'].push({ name: 'proxy', image: 'proxy:2' });
      }),
    );
    expect(resources[0]).toMatchObject({
      status: 'OutOfSync',
      changedPaths: ['/spec/template/spec/containers/0/image'],
    });
  });

  it('keeps a sidecar live already has, and leaves a predicted object without managedFields alone', async () => {
    const live = testdata('deployment-live.yaml');
    live['spec']['template']['spec']['containers'].push({ name: 'proxy', image: 'proxy:1' });
    const synced = await run(
      async () =>
        predictedFromLive((p) =>
          p['spec']['template']['spec']['containers'].push({ name: 'proxy', image: 'proxy:1' }),
        ),
      live,
    );
    expect(synced.resources[0]?.status).toBe('Synced');
    const bare = await run(async () =>
      predictedFromLive((p) => {
        delete p['metadata']['managedFields'];
        p['metadata']['annotations']['sidecar.example.com/status'] = 'injected v2';
      }),
    );
    expect(bare.resources[0]?.status).toBe('OutOfSync');
  });

  it("keeps a Secret's data that the manager wrote as stringData", () => {
    const b64 = (v: string) => Buffer.from(v).toString('base64');
    const secret = (password: string, managedFields?: unknown[]) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'app', ...(managedFields ? { managedFields } : {}) },
      type: 'Opaque',
      data: { password: b64(password) },
    });
    // The API server records the write under stringData and stores the value under data.
    const predicted = secret('rotated', [
      {
        manager: 'flotilla',
        operation: 'Apply',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:stringData': { 'f:password': {} }, 'f:type': {} },
      },
    ]);
    const kept = revertWebhookMutations(predicted, secret('old'));
    expect((kept['data'] as Record<string, string>)['password']).toBe(b64('rotated'));
  });
});
