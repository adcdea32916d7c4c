// Ordering: phase, wave, kind order, name; Namespaces and CRDs pulled forward;
// prunes, hook deletions and applies inside a step; and the order Argo CD gives
// the example apps.
import { describe, expect, it } from 'vitest';
import { KIND_ORDER, applyBatches, kindOrderIndex, type SyncObject } from '../../src/sync/index.js';
import { cm, deploy, job, obj, order, plan, stepsOf, taskOf, exampleAll } from './fixtures.js';

const WAVE = 'argocd.argoproj.io/sync-wave';
const HOOK = 'argocd.argoproj.io/hook';

describe('kind order', () => {
  it('is the list from the design, in order', () => {
    expect(KIND_ORDER).toEqual(
      (
        'Namespace NetworkPolicy ResourceQuota LimitRange PodSecurityPolicy PodDisruptionBudget ' +
        'ServiceAccount Secret SecretList ConfigMap StorageClass PersistentVolume ' +
        'PersistentVolumeClaim CustomResourceDefinition ClusterRole ClusterRoleList ' +
        'ClusterRoleBinding ClusterRoleBindingList Role RoleList RoleBinding RoleBindingList ' +
        'Service DaemonSet Pod ReplicationController ReplicaSet Deployment ' +
        'HorizontalPodAutoscaler StatefulSet Job CronJob IngressClass Ingress APIService'
      ).split(' '),
    );
  });

  it.each([
    ['Namespace', 0],
    ['ConfigMap', 9],
    ['APIService', 34],
    ['Widget', 35],
    ['Certificate', 35],
  ])('%s sorts at %i', (kind, index) => {
    expect(kindOrderIndex(kind)).toBe(index);
  });

  it('applies kinds in that order, custom kinds last, then by name', () => {
    const p = plan([
      obj('example.com/v1', 'Widget', 'w'),
      obj('apiregistration.k8s.io/v1', 'APIService', 'v1.example.com'),
      deploy('web'),
      obj('v1', 'Service', 'web'),
      cm('b'),
      cm('a'),
      obj('v1', 'Secret', 'creds'),
      obj('v1', 'ServiceAccount', 'runner'),
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'),
    ]);
    expect(order(p).map((line) => line.split(' ')[2])).toEqual([
      'ServiceAccount/runner',
      'Secret/creds',
      'ConfigMap/a',
      'ConfigMap/b',
      'ClusterRole/reader',
      'Service/web',
      'Deployment/web',
      'APIService/v1.example.com',
      'Widget/w',
    ]);
  });
});

describe('dependencies pulled forward', () => {
  it('moves a Namespace just before the first resource in it, into that wave', () => {
    const p = plan([
      obj('v1', 'Namespace', 'team', { [WAVE]: '3' }),
      obj('v1', 'ConfigMap', 'settings', { [WAVE]: '1' }, { namespace: 'team' }),
      cm('elsewhere'),
    ]);
    expect(order(p)).toEqual([
      'Sync/0 apply ConfigMap/elsewhere',
      'Sync/1 apply Namespace/team',
      'Sync/1 apply ConfigMap/settings',
    ]);
  });

  it('moves a Namespace into the PreSync phase when a PreSync hook runs in it', () => {
    const p = plan([
      obj('v1', 'Namespace', 'team'),
      obj('batch/v1', 'Job', 'migrate', { [HOOK]: 'PreSync' }, { namespace: 'team' }),
    ]);
    expect(order(p)).toEqual(['PreSync/0 apply Namespace/team', 'PreSync/0 hook Job/migrate']);
  });

  it('moves a CRD just before its first custom resource, and skips that resource’s dry run', () => {
    const crd: SyncObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com', annotations: { [WAVE]: '2' } },
      spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' } },
    };
    const p = plan([crd, obj('example.com/v1', 'Widget', 'w'), cm('settings')]);
    expect(order(p)).toEqual([
      'Sync/0 apply ConfigMap/settings',
      'Sync/0 apply CustomResourceDefinition/widgets.example.com',
      'Sync/0 apply Widget/w',
    ]);
    expect(taskOf(p, 'Widget', 'w').skipDryRun).toBe(true);
    expect(taskOf(p, 'ConfigMap', 'settings').skipDryRun).toBe(false);
  });

  it('leaves a Namespace where it is when nothing earlier needs it', () => {
    const p = plan([
      obj('v1', 'Namespace', 'team'),
      obj('v1', 'ConfigMap', 's', {}, { namespace: 'team' }),
    ]);
    expect(order(p)).toEqual(['Sync/0 apply Namespace/team', 'Sync/0 apply ConfigMap/s']);
  });
});

describe('inside one step', () => {
  it('prunes first, then deletes existing hooks, then applies kind by kind', () => {
    const hook = job('migrate', { [HOOK]: 'Sync' });
    const liveHook = {
      ...hook,
      metadata: { name: 'migrate', namespace: 'app', annotations: { [HOOK]: 'Sync' } },
    };
    const orphan = { ...cm('zzz-old'), metadata: { name: 'zzz-old', namespace: 'app' } };
    const p = plan([deploy('web'), obj('v1', 'Service', 'web'), hook], [liveHook, orphan], {
      prune: true,
    });
    expect(order(p)).toEqual([
      'Sync/0 prune ConfigMap/zzz-old',
      'Sync/0 delete-before-hook Job/migrate',
      'Sync/0 apply Service/web',
      'Sync/0 apply Deployment/web',
      'Sync/0 hook Job/migrate',
    ]);
    const [step] = p.steps;
    if (!step) throw new Error('no step');
    expect(applyBatches(step).map((b) => b.map((t) => `${t.key.kind}/${t.name}`))).toEqual([
      ['Service/web'],
      ['Deployment/web'],
      ['Job/migrate'],
    ]);
  });

  it('batches resources of one kind together', () => {
    const p = plan([cm('a'), cm('b'), deploy('c')]);
    const [step] = p.steps;
    if (!step) throw new Error('no step');
    expect(applyBatches(step).map((b) => b.map((t) => t.name))).toEqual([['a', 'b'], ['c']]);
  });
});

/** What `kustomize build` does with `namePrefix`, which is all pre-post-sync uses. */
function namePrefix(prefix: string, objects: readonly SyncObject[]): SyncObject[] {
  return objects.map((o) => {
    const meta = o['metadata'] as Record<string, unknown>;
    return { ...o, metadata: { ...meta, name: `${prefix}${String(meta['name'])}` } };
  });
}

describe('argocd-example-apps, in the order Argo CD syncs them', () => {
  it('sync-waves: PreSync job, then waves 0 to 3 with their Sync hooks', () => {
    const p = plan(exampleAll('sync-waves/manifests.yaml'));
    expect(stepsOf(p)).toEqual([
      'PreSync/0: Job/upgrade-sql-schemaa1b2c3d-presync-1704164645',
      'Sync/0: Service/backend, ReplicaSet/backend',
      'Sync/1: Job/maint-page-up',
      'Sync/2: Service/frontend, ReplicaSet/frontend',
      'Sync/3: Job/maint-page-down',
    ]);
    expect(taskOf(p, 'Job', 'maint-page-up').type).toBe('hook');
    expect(taskOf(p, 'ReplicaSet', 'backend').type).toBe('apply');
  });

  it('pre-post-sync: the before job, the guestbook, then the after job', () => {
    const base = namePrefix('kustomize-', [
      ...exampleAll('kustomize-guestbook/guestbook-ui-deployment.yaml'),
      ...exampleAll('kustomize-guestbook/guestbook-ui-svc.yaml'),
    ]);
    const rendered = namePrefix('pre-post-sync-', [
      ...base,
      ...exampleAll('pre-post-sync/pre-sync-job.yaml'),
      ...exampleAll('pre-post-sync/post-sync-job.yaml'),
    ]);
    const p = plan(rendered);
    expect(stepsOf(p)).toEqual([
      'PreSync/0: Job/pre-post-sync-before',
      'Sync/0: Service/pre-post-sync-kustomize-guestbook-ui, Deployment/pre-post-sync-kustomize-guestbook-ui',
      'PostSync/0: Job/pre-post-sync-after',
    ]);
    expect(taskOf(p, 'Job', 'pre-post-sync-before').deletePolicies).toEqual(['HookSucceeded']);
  });

  it('helm-hooks: pre-install hooks by weight, the release, then post-install', () => {
    const p = plan(exampleAll('helm-hooks/manifests.yaml'));
    expect(stepsOf(p)).toEqual([
      'PreSync/-2: Job/upgrade-sql-schemaa1b2c3d-presync-1704164645',
      'PreSync/-1: Job/maint-page-up',
      'Sync/0: ReplicaSet/frontend',
      // hook-weight is the wave of any object without sync-wave, hook or not.
      'Sync/2: Service/frontend',
      'PostSync/0: Job/maint-page-down',
    ]);
    expect(taskOf(p, 'Job', 'maint-page-down').deletePolicies).toEqual(['BeforeHookCreation']);
  });
});
