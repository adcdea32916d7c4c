// Helm's hook annotations, as Argo CD maps them onto its own.
import { describe, expect, it } from 'vitest';
import {
  ResourceRole,
  deletePoliciesOf,
  helmDeletePolicies,
  helmKeeps,
  helmWeight,
  hookRoleOf,
  isHelmHook,
  resourceSyncOptions,
  syncWaveOf,
} from '../../src/index.js';
import { job, obj, order, plan } from './fixtures.js';

const HELM = 'helm.sh/hook';

describe('helm.sh/hook', () => {
  it.each([
    ['pre-install', ResourceRole.Hook, ['PreSync'], []],
    ['pre-upgrade', ResourceRole.Hook, ['PreSync'], []],
    ['pre-install,pre-upgrade', ResourceRole.Hook, ['PreSync'], []],
    ['post-install', ResourceRole.Hook, ['PostSync'], []],
    ['post-upgrade', ResourceRole.Hook, ['PostSync'], []],
    ['pre-install,post-install', ResourceRole.Hook, ['PreSync', 'PostSync'], []],
    ['pre-delete', ResourceRole.DeletionHook, [], ['PreDelete']],
    ['post-delete', ResourceRole.DeletionHook, [], ['PostDelete']],
    ['pre-delete,post-delete', ResourceRole.DeletionHook, [], ['PreDelete', 'PostDelete']],
    ['pre-install,pre-delete', ResourceRole.Hook, ['PreSync'], ['PreDelete']],
    ['crd-install', ResourceRole.Resource, [], []],
    ['test', ResourceRole.Invalid, [], []],
    ['test-success', ResourceRole.Invalid, [], []],
    ['pre-rollback', ResourceRole.Invalid, [], []],
  ])('%s reads as %s %j %j', (value, role, phases, deletionHooks) => {
    expect(hookRoleOf(job('j', { [HELM]: value }))).toEqual({ role, phases, deletionHooks });
  });

  it('treats only an exact crd-install as an ordinary resource', () => {
    expect(isHelmHook(job('j', { [HELM]: 'crd-install' }))).toBe(false);
    expect(isHelmHook(job('j', { [HELM]: 'crd-install,pre-install' }))).toBe(true);
    expect(isHelmHook(job('j'))).toBe(false);
  });

  it.each([
    [{ 'argocd.argoproj.io/hook': 'PostSync', [HELM]: 'pre-install' }, ['PostSync']],
    [{ 'argocd.argoproj.io/hook': 'Sync', [HELM]: 'test' }, ['Sync']],
    // An Argo annotation with no sync type leaves Helm's in charge, as in gitops-engine.
    [{ 'argocd.argoproj.io/hook': 'Bogus', [HELM]: 'pre-install' }, ['PreSync']],
  ])('lets an Argo CD hook annotation override Helm’s: %j', (annotations, phases) => {
    expect(hookRoleOf(job('j', annotations)).phases).toEqual(phases);
  });

  it('skips with an Argo CD Skip even when Helm calls it a hook', () => {
    expect(
      hookRoleOf(job('j', { 'argocd.argoproj.io/hook': 'Skip', [HELM]: 'pre-install' })).role,
    ).toBe(ResourceRole.Skip);
  });
});

describe('helm.sh/hook-weight', () => {
  it.each([
    [{}, undefined, 0],
    [{ 'helm.sh/hook-weight': '-5' }, -5, -5],
    [{ 'helm.sh/hook-weight': '10' }, 10, 10],
    [{ 'helm.sh/hook-weight': 'heavy' }, undefined, 0],
    [{ 'helm.sh/hook-weight': '3', 'argocd.argoproj.io/sync-wave': '-1' }, 3, -1],
  ])('%j weighs %s and makes wave %i', (annotations, weight, wave) => {
    expect(helmWeight(job('j', annotations))).toBe(weight);
    expect(syncWaveOf(job('j', annotations))).toBe(wave);
  });
});

describe('helm.sh/hook-delete-policy', () => {
  it.each([
    ['before-hook-creation', ['BeforeHookCreation']],
    ['hook-succeeded', ['HookSucceeded']],
    ['hook-failed', ['HookFailed']],
    ['hook-succeeded,hook-failed', ['HookSucceeded', 'HookFailed']],
    ['sometimes', []],
  ])('%s maps to %j', (value, policies) => {
    expect(helmDeletePolicies(job('j', { 'helm.sh/hook-delete-policy': value }))).toEqual(policies);
  });

  it('adds Helm’s policies to Argo CD’s and defaults to BeforeHookCreation', () => {
    const both = job('j', {
      'argocd.argoproj.io/hook-delete-policy': 'HookFailed',
      'helm.sh/hook-delete-policy': 'hook-succeeded,hook-failed',
    });
    expect(deletePoliciesOf(both)).toEqual(['HookFailed', 'HookSucceeded']);
    expect(deletePoliciesOf(job('j', { 'helm.sh/hook-delete-policy': 'bogus' }))).toEqual([
      'BeforeHookCreation',
    ]);
  });
});

describe('helm.sh/resource-policy', () => {
  it.each([
    ['keep', true, 'false'],
    [' Keep ', true, 'false'],
    ['delete', false, undefined],
  ])('%j keeps the resource: %s (Delete=%s)', (value, keeps, del) => {
    const o = obj('v1', 'PersistentVolumeClaim', 'data', { 'helm.sh/resource-policy': value });
    expect(helmKeeps(o)).toBe(keeps);
    expect(resourceSyncOptions(o).values.delete).toBe(del);
  });

  it('lets an explicit Delete option win over keep', () => {
    const o = obj('v1', 'PersistentVolumeClaim', 'data', {
      'helm.sh/resource-policy': 'keep',
      'argocd.argoproj.io/sync-options': 'Delete=true',
    });
    expect(resourceSyncOptions(o).values.delete).toBe('true');
  });
});

describe('a chart in a plan', () => {
  it('runs pre-install hooks by weight, the release, then post-install hooks, and never a test', () => {
    const p = plan([
      job('smoke', { [HELM]: 'test' }),
      job('post', { [HELM]: 'post-install,post-upgrade' }),
      obj('apps/v1', 'Deployment', 'app'),
      job('migrate', { [HELM]: 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '5' }),
      job('secrets', { [HELM]: 'pre-install', 'helm.sh/hook-weight': '-5' }),
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', {
        [HELM]: 'crd-install',
      }),
    ]);
    expect(order(p)).toEqual([
      'PreSync/-5 hook Job/secrets',
      'PreSync/5 hook Job/migrate',
      'Sync/0 apply CustomResourceDefinition/widgets.example.com',
      'Sync/0 apply Deployment/app',
      'PostSync/0 hook Job/post',
    ]);
  });
});
