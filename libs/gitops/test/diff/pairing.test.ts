import { describe, expect, it } from 'vitest';
import { diffApp, pairResources, prepareDesired } from '../../src/diff/index.js';
import { isHookOrSkipped } from '../../src/index.js';
import { APP, appInput, configMap, isNamespaced, testdata, tracked } from './fixtures.js';

const ctx = { app: APP, destinationNamespace: 'shop', isNamespaced };
/** A live ConfigMap in `shop` carrying this app's tracking id and `annotations`. */
const trackedConfigMap = (name: string, annotations: Record<string, string>) =>
  configMap(
    name,
    {},
    {
      namespace: 'shop',
      annotations: { ...tracked('', 'ConfigMap', 'shop', name), ...annotations },
    },
  );
const byName = (resources: readonly { key: { name: string } }[], name: string) =>
  resources.find((r) => r.key.name === name);

describe('prepareDesired', () => {
  it('gives a namespaced kind without a namespace the destination namespace', () => {
    const prepared = prepareDesired(configMap('cfg', {}), ctx);
    expect(prepared).toMatchObject({
      ok: true,
      key: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' },
      object: {
        metadata: {
          namespace: 'shop',
          annotations: { 'flotilla.dev/tracking-id': 'flotilla_shop:/ConfigMap:shop/cfg' },
        },
      },
    });
  });

  it('keeps a namespace the manifest names', () => {
    const prepared = prepareDesired(configMap('cfg', {}, { namespace: 'other' }), ctx);
    expect(prepared.key.namespace).toBe('other');
  });

  it('drops the namespace of a cluster-scoped kind, as the API server does', () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader', namespace: 'shop' },
    };
    const prepared = prepareDesired(role, ctx);
    expect(prepared.key.namespace).toBe('');
    expect(prepared.ok && prepared.object['metadata']).not.toHaveProperty('namespace');
  });

  it('refuses a kind the cluster does not know when no namespace is named', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(prepareDesired(widget, ctx)).toMatchObject({
      ok: false,
      message: expect.stringContaining('does not know Widget.example.com'),
    });
  });

  it('accepts an unknown kind that names its namespace (its CRD arrives with the sync)', () => {
    const widget = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'shop' },
    };
    expect(prepareDesired(widget, ctx)).toMatchObject({ ok: true, kindKnown: false });
  });

  it('does not modify the manifest it was given', () => {
    const cm = configMap('cfg', {});
    prepareDesired(cm, ctx);
    expect(cm['metadata']).toEqual({ name: 'cfg' });
  });
});

describe('pairResources', () => {
  it('pairs by group, kind, namespace and name', () => {
    const live = configMap(
      'cfg',
      {},
      { namespace: 'shop', annotations: tracked('', 'ConfigMap', 'shop', 'cfg') },
    );
    const elsewhere = configMap('cfg', {}, { namespace: 'other' });
    const { resources } = pairResources({
      ...ctx,
      desired: [configMap('cfg', {})],
      live: [elsewhere, live],
    });
    expect(resources).toHaveLength(1);
    expect(resources[0]).toMatchObject({ role: 'compare', live });
  });

  it('marks live resources with this app’s id and no manifest as Extraneous', () => {
    const orphan = configMap(
      'old',
      {},
      { namespace: 'shop', annotations: tracked('', 'ConfigMap', 'shop', 'old') },
    );
    const foreign = configMap('theirs', {}, { namespace: 'shop' });
    const { resources } = pairResources({ ...ctx, desired: [], live: [orphan, foreign] });
    expect(resources).toEqual([
      expect.objectContaining({
        role: 'extraneous',
        key: expect.objectContaining({ name: 'old' }),
      }),
    ]);
  });

  it('never marks an object with a copied id, or a hook, as Extraneous', () => {
    const deployment = testdata('deployment-live.yaml');
    const replicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-7d9c5b',
        namespace: 'shop',
        annotations: deployment['metadata']['annotations'],
      },
    };
    const hook = trackedConfigMap('migrate', { 'argocd.argoproj.io/hook': 'PreSync' });
    const { resources } = pairResources({
      ...ctx,
      desired: [],
      live: [replicaSet, hook, deployment],
    });
    expect(resources.map((r) => `${r.role} ${r.key.kind}`)).toEqual(['extraneous Deployment']);
  });

  it('leaves desired hooks to the hook runner', () => {
    const hook = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', annotations: { 'helm.sh/hook': 'pre-upgrade' } },
    };
    const crd = configMap('crd-like', {}, {});
    (crd['metadata'] as any).annotations = { 'helm.sh/hook': 'crd-install' };
    const { resources } = pairResources({ ...ctx, desired: [hook, crd], live: [] });
    expect(resources.map((r) => r.key.name)).toEqual(['crd-like']);
  });

  // The diff and sync planning read hooks alike: what the plan never applies
  // is neither compared (it would stay OutOfSync forever) nor pruned.
  it.each([
    ['an empty Argo CD hook annotation', { 'argocd.argoproj.io/hook': '' }],
    ['a Flotilla hook of an unknown type', { 'flotilla.dev/hook': 'Unknown' }],
    ['an empty Helm hook annotation', { 'helm.sh/hook': '' }],
    ['a padded Helm crd-install', { 'helm.sh/hook': ' crd-install' }],
  ])('leaves out %s, as sync planning drops it', (_, annotations) => {
    const cm = configMap('odd', {}, { annotations });
    const live = trackedConfigMap('odd', annotations);
    expect(pairResources({ ...ctx, desired: [cm], live: [] }).resources).toEqual([]);
    expect(pairResources({ ...ctx, desired: [], live: [live] }).resources).toEqual([]);
    expect(isHookOrSkipped(cm)).toBe(true);
  });

  it('warns about a resource that appears twice and keeps the last', () => {
    const { resources, conditions } = pairResources({
      ...ctx,
      desired: [configMap('cfg', { v: '1' }), configMap('cfg', { v: '2' })],
      live: [],
    });
    expect(resources).toHaveLength(1);
    expect(resources[0]).toMatchObject({ desired: { data: { v: '2' } } });
    expect(conditions).toEqual([
      { type: 'RepeatedResourceWarning', message: expect.stringContaining('ConfigMap shop/cfg') },
    ]);
  });
});

describe('diffApp pairing outcomes', () => {
  it('diffs the other resources when one kind is unknown', async () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const { resources, summary } = await diffApp(appInput([widget, configMap('cfg', {})], []));
    expect(byName(resources, 'w')).toMatchObject({
      status: 'Error',
      message: expect.stringContaining('Widget'),
    });
    expect(byName(resources, 'cfg')).toMatchObject({ status: 'Missing' });
    expect(summary.status).toBe('Unknown');
  });

  it('does not prune a live object whose manifest could not be resolved', async () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const liveWidget = {
      ...widget,
      metadata: {
        name: 'w',
        namespace: 'shop',
        annotations: tracked('example.com', 'Widget', 'shop', 'w'),
      },
    };
    const { resources, summary } = await diffApp(appInput([widget], [liveWidget]));
    const extra = resources.find((r) => r.status === 'Extraneous');
    expect(extra).toMatchObject({
      requiresPruning: false,
      message: expect.stringContaining('not pruned'),
    });
    expect(summary.pruneCandidates).toEqual([]);
  });

  it('reports a resource tracked by another app as Shared: not compared, not pruned, warned', async () => {
    const theirs = configMap(
      'cfg',
      { v: 'theirs' },
      {
        namespace: 'shop',
        annotations: { 'flotilla.dev/tracking-id': 'flotilla_billing:/ConfigMap:shop/cfg' },
      },
    );
    const { resources, summary } = await diffApp(
      appInput([configMap('cfg', { v: 'ours' })], [theirs]),
    );
    expect(resources).toEqual([
      expect.objectContaining({
        status: 'Shared',
        owner: { namespace: 'flotilla', name: 'billing' },
        diff: '',
        changedPaths: [],
      }),
    ]);
    expect(summary.status).toBe('Synced');
    expect(summary.conditions).toEqual([
      { type: 'SharedResourceWarning', message: expect.stringContaining('flotilla/billing') },
    ]);
  });

  it('keeps an IgnoreExtraneous resource a prune candidate without making the app OutOfSync', async () => {
    const keep = configMap(
      'generated',
      {},
      {
        namespace: 'shop',
        annotations: {
          ...tracked('', 'ConfigMap', 'shop', 'generated'),
          'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
        },
      },
    );
    const { resources, summary } = await diffApp(appInput([], [keep]));
    expect(resources[0]).toMatchObject({
      status: 'Extraneous',
      ignoreExtraneous: true,
      requiresPruning: true,
    });
    expect(summary.status).toBe('Synced');
  });

  it('compares an untracked live object and shows that adopting it adds the tracking id', async () => {
    const unowned = configMap('cfg', { a: '1' }, { namespace: 'shop' });
    const { resources } = await diffApp(appInput([configMap('cfg', { a: '1' })], [unowned]));
    expect(resources[0]).toMatchObject({
      status: 'OutOfSync',
      changedPaths: ['/metadata/annotations'],
    });
  });
});
