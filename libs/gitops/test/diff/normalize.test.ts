import { describe, expect, it } from 'vitest';
import { diffApp, normalizeObject } from '../../src/diff/index.js';
import { appInput, configMap, testdata, tracked } from './fixtures.js';

describe('normalizeObject', () => {
  it('drops what the server writes: timestamps, ids, versions, managedFields, status', () => {
    const out = normalizeObject(testdata('deployment-live.yaml'));
    expect(out['metadata']).toEqual({
      name: 'web',
      namespace: 'shop',
      labels: { app: 'web' },
      annotations: {
        'deployment.kubernetes.io/revision': '3',
        'flotilla.dev/tracking-id': 'flotilla_shop:apps/Deployment:shop/web',
      },
    });
    expect(out).not.toHaveProperty('status');
  });

  it('drops kubectl’s last-applied annotation, and annotations left empty', () => {
    const cm = configMap(
      'cfg',
      {},
      {
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{}}' },
      },
    );
    expect(normalizeObject(cm)['metadata']).toEqual({ name: 'cfg' });
  });

  it('does not modify its input', () => {
    const live = testdata('deployment-live.yaml');
    const before = structuredClone(live);
    normalizeObject(live);
    expect(live).toEqual(before);
  });

  it.each([
    ['all', 'Deployment', false],
    ['crd', 'Deployment', true],
    ['crd', 'CustomResourceDefinition', false],
    ['none', 'CustomResourceDefinition', true],
  ] as const)('status policy %s keeps the status of a %s: %s', (policy, kind, kept) => {
    const group = kind === 'Deployment' ? 'apps/v1' : 'apiextensions.k8s.io/v1';
    const obj = { apiVersion: group, kind, metadata: { name: 'x' }, status: { ready: true } };
    const out = normalizeObject(obj, { ignoreResourceStatusField: policy });
    expect(Object.hasOwn(out, 'status')).toBe(kept);
  });

  it('folds Secret stringData into base64 data, stringData winning', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: 'b2xk', b: null },
      stringData: { a: 'new' },
    };
    expect(normalizeObject(secret)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: Buffer.from('new').toString('base64'), b: '' },
    });
  });

  it('treats empty Role rules as none, and aggregated rules as none when asked', () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'r' },
      rules: [],
    };
    expect(normalizeObject(role)).not.toHaveProperty('rules');
    const aggregated = {
      ...role,
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    };
    expect(normalizeObject(aggregated)).toHaveProperty('rules');
    expect(normalizeObject(aggregated, { ignoreAggregatedRoles: true })).not.toHaveProperty(
      'rules',
    );
  });
});

describe('normalisation in diffApp', () => {
  it('finds a Secret written with stringData in sync with its live data', async () => {
    const desired = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tls' },
      stringData: { token: 'abc' },
    };
    const live = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'tls',
        namespace: 'shop',
        annotations: tracked('', 'Secret', 'shop', 'tls'),
      },
      type: 'Opaque',
      data: { token: Buffer.from('abc').toString('base64') },
    };
    const { resources } = await diffApp(appInput([desired], [live]));
    expect(resources[0]?.status).toBe('Synced');
  });

  it('ignores a changed status and server metadata, but not a changed spec', async () => {
    const desired = testdata('deployment-desired.yaml');
    const live = testdata('deployment-live.yaml');
    live['status'] = { replicas: 1, unavailableReplicas: 1 };
    live['metadata']['resourceVersion'] = '99999';
    const synced = await diffApp(appInput([desired], [live]));
    expect(synced.resources[0]?.status).toBe('Synced');
    live['spec']['template']['spec']['containers'][0]['image'] = 'nginx:1.26';
    const drifted = await diffApp(appInput([desired], [live]));
    expect(drifted.resources[0]?.changedPaths).toEqual(['/spec/template/spec/containers/0/image']);
  });
});
