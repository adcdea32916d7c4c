import { describe, expect, it } from 'vitest';
import { ARGO_TRACKING_ANNOTATION, TRACKING_ANNOTATION } from '@flotilla/api';
import { isTrackedBy, ownerOf, parseTrackingId, trackingId } from '../../src/diff/index.js';
import { APP, testdata } from './fixtures.js';

const withAnnotations = (
  apiVersion: string,
  kind: string,
  name: string,
  namespace: string | undefined,
  annotations: Record<string, string>,
) => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), annotations } });

describe('trackingId', () => {
  it('writes <app-ns>_<app>:<group>/<kind>:<ns>/<name>', () => {
    const key = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };
    expect(trackingId(APP, key)).toBe('flotilla_shop:apps/Deployment:shop/web');
  });

  it('leaves the group and namespace empty for core and cluster-scoped resources', () => {
    const key = { group: '', kind: 'Namespace', namespace: '', name: 'shop' };
    expect(trackingId(APP, key)).toBe('flotilla_shop:/Namespace:/shop');
  });

  it('round-trips through parseTrackingId, even for names with colons', () => {
    const key = {
      group: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      namespace: '',
      name: 'system:aggregate-to-shop',
    };
    expect(parseTrackingId(trackingId(APP, key))).toEqual({ app: APP, key });
  });
});

describe('parseTrackingId', () => {
  it.each([
    [''],
    ['flotilla_shop'],
    ['flotilla_shop:apps/Deployment'],
    ['flotilla_shop:Deployment:shop/web'],
    ['flotilla_shop:apps/Deployment:web'],
    ['flotilla_shop:apps/:shop/web'],
    ['flotilla_shop:apps/Deployment:shop/'],
    ['Flotilla_Shop:apps/Deployment:shop/web'],
    ['shop:apps/Deployment:shop/web'],
  ])('rejects %j', (value) => {
    expect(parseTrackingId(value)).toBeUndefined();
  });

  it('reads an Argo CD id without a namespace as an app of the control namespace', () => {
    expect(parseTrackingId('guestbook:apps/Deployment:default/web', { format: 'argocd' })).toEqual({
      app: { namespace: 'flotilla', name: 'guestbook' },
      key: { group: 'apps', kind: 'Deployment', namespace: 'default', name: 'web' },
    });
  });

  it('reads an Argo CD id of an app outside its control namespace', () => {
    const id = parseTrackingId('team-a_guestbook:/Service:team-a/web', { format: 'argocd' });
    expect(id?.app).toEqual({ namespace: 'team-a', name: 'guestbook' });
  });

  it('maps Argo CD’s control namespace to Flotilla’s, as converted Applications move', () => {
    const options = { format: 'argocd', argoNamespace: 'gitops', controlNamespace: 'cd' } as const;
    expect(parseTrackingId('gitops_web:/Service:a/web', options)?.app).toEqual({
      namespace: 'cd',
      name: 'web',
    });
    expect(parseTrackingId('web:/Service:a/web', options)?.app).toEqual({
      namespace: 'cd',
      name: 'web',
    });
  });
});

describe('ownerOf and isTrackedBy', () => {
  it('reads Flotilla’s annotation first', () => {
    const obj = withAnnotations('v1', 'ConfigMap', 'cfg', 'shop', {
      [TRACKING_ANNOTATION]: 'flotilla_shop:/ConfigMap:shop/cfg',
      [ARGO_TRACKING_ANNOTATION]: 'other:/ConfigMap:shop/cfg',
    });
    expect(ownerOf(obj)).toMatchObject({ app: APP, source: 'flotilla', selfReferenced: true });
    expect(isTrackedBy(obj, APP)).toBe(true);
  });

  it('falls back to Argo CD’s annotation for resources Argo CD deployed', () => {
    const obj = withAnnotations('v1', 'ConfigMap', 'cfg', 'shop', {
      [ARGO_TRACKING_ANNOTATION]: 'shop:/ConfigMap:shop/cfg',
    });
    expect(ownerOf(obj)).toMatchObject({ source: 'argocd', app: APP });
    expect(isTrackedBy(obj, APP)).toBe(true);
  });

  it('does not count a copied annotation: a ReplicaSet inherits its Deployment’s id', () => {
    const deployment = testdata('deployment-live.yaml');
    const replicaSet = withAnnotations(
      'apps/v1',
      'ReplicaSet',
      'web-7d9c5b',
      'shop',
      deployment['metadata']['annotations'],
    );
    expect(ownerOf(replicaSet)).toMatchObject({ app: APP, selfReferenced: false });
    expect(isTrackedBy(replicaSet, APP)).toBe(false);
    expect(isTrackedBy(deployment, APP)).toBe(true);
  });

  it('accepts a cluster-scoped object whose id carries the destination namespace (Argo CD’s habit)', () => {
    const ns = withAnnotations('v1', 'Namespace', 'shop', undefined, {
      [ARGO_TRACKING_ANNOTATION]: 'shop:/Namespace:shop/shop',
    });
    expect(isTrackedBy(ns, APP)).toBe(true);
  });

  it('says nothing for an object without a readable id, and no for another app', () => {
    const none = withAnnotations('v1', 'ConfigMap', 'cfg', 'shop', {});
    const junk = withAnnotations('v1', 'ConfigMap', 'cfg', 'shop', { [TRACKING_ANNOTATION]: 'x' });
    const other = withAnnotations('v1', 'ConfigMap', 'cfg', 'shop', {
      [TRACKING_ANNOTATION]: 'flotilla_billing:/ConfigMap:shop/cfg',
    });
    expect(ownerOf(none)).toBeUndefined();
    expect(ownerOf(junk)).toBeUndefined();
    expect(isTrackedBy(other, APP)).toBe(false);
    expect(ownerOf(other)?.app).toEqual({ namespace: 'flotilla', name: 'billing' });
  });
});
