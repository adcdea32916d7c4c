import { describe, expect, it } from 'vitest';
import { register } from 'prom-client';
import { failureReason, registerAppSource, requestShape } from '../src/index.js';

describe('sync failure reasons', () => {
  it.each([
    ['PreSync hook(s) failed: demo/migrate', 'hook-failed'],
    ['operation terminated', 'terminated'],
    ['dry run failed: Deployment.apps "x" is invalid', 'dry-run-failed'],
    ['deployments.apps is forbidden: User cannot create', 'forbidden'],
    ['one or more synchronization tasks completed unsuccessfully', 'tasks-failed'],
    ['connect ECONNREFUSED 10.0.0.1:443', 'cluster-unreachable'],
    ['something nobody foresaw', 'other'],
    [undefined, 'other'],
  ])('%s → %s', (message, reason) => {
    expect(failureReason(message)).toBe(reason);
  });
});

describe('apiserver request shapes', () => {
  it.each([
    ['GET', '/api/v1/namespaces/a/configmaps', undefined, 'list', 'configmaps'],
    ['GET', '/api/v1/namespaces/a/configmaps/x', undefined, 'get', 'configmaps'],
    [
      'PATCH',
      '/apis/apps/v1/namespaces/a/deployments/web',
      'application/apply-patch+yaml',
      'apply',
      'deployments',
    ],
    [
      'PATCH',
      '/apis/flotilla.dev/v1alpha1/namespaces/f/applications/x/status',
      'application/merge-patch+json',
      'patch',
      'applications/status',
    ],
    ['POST', '/api/v1/namespaces', undefined, 'create', 'namespaces'],
    ['DELETE', '/api/v1/namespaces/a/pods/p', undefined, 'delete', 'pods'],
    [
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x',
      undefined,
      'get',
      'customresourcedefinitions',
    ],
  ])('%s %s', (method, path, contentType, verb, kind) => {
    expect(requestShape(method, path, contentType)).toEqual({ verb, kind });
  });
});

describe('per-app gauges', () => {
  it('show one info series per app and the last successful sync, read at scrape time', async () => {
    const row = {
      namespace: 'f',
      name: 'web',
      project: 'default',
      repo: 'https://git/x.git',
      destServer: 'https://kubernetes.default.svc',
      destNamespace: 'web',
      syncStatus: 'Synced',
      healthStatus: 'Healthy',
      operation: 'Succeeded',
      lastSyncSuccess: 1700000000,
    };
    const stop = registerAppSource(() => [
      row,
      { ...row, name: 'api', lastSyncSuccess: undefined },
    ]);
    const text = await register.metrics();
    // Made again at each scrape, and not held between scrapes.
    expect(await register.metrics()).toBe(text);
    for (const name of ['flotilla_app_info', 'flotilla_app_last_sync_success_timestamp_seconds']) {
      const gauge = register.getSingleMetric(name) as unknown as { hashMap: object };
      expect(Object.keys(gauge.hashMap)).toEqual([]);
    }
    stop();
    expect(text).toContain(
      'flotilla_app_info{namespace="f",name="web",project="default",repo="https://git/x.git",dest_server="https://kubernetes.default.svc",dest_namespace="web",sync_status="Synced",health_status="Healthy",operation="Succeeded"} 1',
    );
    expect(text).toContain(
      'flotilla_app_last_sync_success_timestamp_seconds{namespace="f",name="web"} 1700000000',
    );
    expect(text).not.toContain(
      'flotilla_app_last_sync_success_timestamp_seconds{namespace="f",name="api"}',
    );
    expect(await register.metrics()).not.toContain('name="web"');
  });
});
