import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@flotilla/kube';
import { compatObjects, startApplierHarness, type ApplierHarness } from './harness.js';
import { configMap, job } from './objects.js';

describe('hooks run by the applier', () => {
  let h: ApplierHarness;
  beforeAll(async () => {
    h = await startApplierHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const exists = async (kind: string, apiVersion: string, namespace: string, name: string) => {
    try {
      await h.env.kube.objects.read({ apiVersion, kind, metadata: { name, namespace } });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return false;
      if ((err as { code?: number }).code === 404) return false;
      throw err;
    }
  };

  it('pre-post-sync: PreSync before the app, PostSync after, HookSucceeded hooks deleted', async () => {
    const objects = [
      ...compatObjects('kustomize-guestbook', 'guestbook-ui-deployment.yaml'),
      ...compatObjects('kustomize-guestbook', 'guestbook-ui-svc.yaml'),
      ...compatObjects('pre-post-sync', 'pre-sync-job.yaml'),
      ...compatObjects('pre-post-sync', 'post-sync-job.yaml'),
    ];
    const { dest } = await h.createApp('prepost', objects);
    await h.requestSync('prepost');
    const app = await h.finished('prepost');
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    const order = (await h.events('prepost'))
      .filter((e) => e['name'] === 'resource.applied' || e['name'] === 'hook.started')
      .map((e) => (e['data'].resource ?? e['data'].hook).name as string);
    expect(order.indexOf('before')).toBeLessThan(order.indexOf('guestbook-ui'));
    expect(order.indexOf('guestbook-ui')).toBeLessThan(order.indexOf('after'));
    expect(await exists('Job', 'batch/v1', dest, 'before')).toBe(false);
    expect(await exists('Job', 'batch/v1', dest, 'after')).toBe(false);
    expect(await exists('Deployment', 'apps/v1', dest, 'guestbook-ui')).toBe(true);
  });

  it('helm-hooks: Helm hook annotations map to phases and weights', async () => {
    const { dest } = await h.createApp('helmhooks', compatObjects('helm-hooks', 'manifests.yaml'));
    await h.requestSync('helmhooks');
    const app = await h.finished('helmhooks');
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    const order = (await h.events('helmhooks'))
      .filter((e) => e['name'] === 'resource.applied' || e['name'] === 'hook.started')
      .map(
        (e) =>
          `${e['data'].resource?.kind ?? e['data'].hook.kind}/${(e['data'].resource ?? e['data'].hook).name}`,
      );
    const at = (p: string) => order.findIndex((s) => s.startsWith(p));
    expect(at('Job/upgrade-sql-schema')).toBe(0);
    expect(at('Job/maint-page-up')).toBe(1);
    expect(at('ReplicaSet/frontend')).toBeLessThan(at('Service/frontend'));
    expect(at('Service/frontend')).toBeLessThan(at('Job/maint-page-down'));
    expect(await exists('Job', 'batch/v1', dest, 'maint-page-down')).toBe(true);
  });

  it('a failing PreSync hook stops the sync before the Sync phase and runs SyncFail', async () => {
    const { dest } = await h.createApp('failing', [
      job(
        'migrate',
        { 'argocd.argoproj.io/hook': 'PreSync' },
        { 'flotilla.dev/test-fail': 'true' },
      ),
      configMap('app-config'),
      job('on-fail', { 'argocd.argoproj.io/hook': 'SyncFail' }),
    ]);
    await h.requestSync('failing');
    const app = await h.finished('failing');
    const state = app.status?.operationState;
    expect(state?.phase).toBe('Failed');
    expect(state?.message).toContain('one or more synchronization tasks completed unsuccessfully');
    expect(await exists('ConfigMap', 'v1', dest, 'app-config')).toBe(false);
    const rows = state?.syncResult?.resources?.map((r) => [r.name, r.syncPhase, r.hookPhase]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['migrate', 'PreSync', 'Failed'],
        ['on-fail', 'SyncFail', 'Succeeded'],
      ]),
    );
    const names = (await h.events('failing')).map((e) => e['name']);
    expect(names).toContain('hook.failed');
    expect(names).toContain('operation.failed');
    expect(app.status?.history ?? []).toHaveLength(0);
  });

  it('a hook past flotilla.dev/hook-timeout fails the sync and is deleted', async () => {
    const { dest } = await h.createApp('slow', [
      job(
        'slow',
        { 'argocd.argoproj.io/hook': 'PreSync', 'flotilla.dev/hook-timeout': '2s' },
        { 'flotilla.dev/test-duration': '300s' },
      ),
      configMap('after-slow'),
    ]);
    await h.requestSync('slow');
    const app = await h.finished('slow');
    const state = app.status?.operationState;
    expect(state?.phase).toBe('Failed');
    expect(state?.syncResult?.resources?.find((r) => r.name === 'slow')?.message).toContain(
      'hook did not complete',
    );
    expect(await exists('ConfigMap', 'v1', dest, 'after-slow')).toBe(false);
  });

  it('a hook Job that deletes itself when finished (ttlSecondsAfterFinished: 0) counts as finished', async () => {
    const selfDeleting = job('cleanup', { 'argocd.argoproj.io/hook': 'PreSync' });
    (selfDeleting.spec as Record<string, unknown>)['ttlSecondsAfterFinished'] = 0;
    const { dest } = await h.createApp('ttl', [selfDeleting, configMap('after-ttl')]);
    await h.requestSync('ttl');
    const app = await h.finished('ttl');
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    expect(await exists('ConfigMap', 'v1', dest, 'after-ttl')).toBe(true);
    expect(
      app.status?.operationState?.syncResult?.resources?.find((r) => r.name === 'cleanup')
        ?.hookPhase,
    ).toBe('Succeeded');
  });
});
