import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@flotilla/testing';
import { RENDERED, startApplierHarness, type ApplierHarness } from './harness.js';
import { configMap, liveConfigMap } from './objects.js';

describe('prune, namespaces, retries and terminate', () => {
  let h: ApplierHarness;
  beforeAll(async () => {
    h = await startApplierHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const liveTracked = (app: string, dest: string, name: string, annotations = {}) =>
    liveConfigMap(h.env.kube.kc, dest, name, { namespace: h.ns, name: app }, annotations);
  const gone = async (dest: string, name: string) =>
    h.env.kube.objects
      .read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: dest } })
      .then(() => false)
      .catch(() => true);

  it('prunes only tracked leftovers; Prune=false is PruneSkipped; PruneLast after the last wave', async () => {
    const { dest } = await h.createApp('pruning', [
      configMap('keep'),
      configMap('late', { 'argocd.argoproj.io/sync-wave': '5' }),
    ]);
    await liveTracked('pruning', dest, 'old');
    await liveTracked('pruning', dest, 'old-last', {
      'argocd.argoproj.io/sync-options': 'PruneLast=true',
    });
    await liveTracked('pruning', dest, 'precious', {
      'argocd.argoproj.io/sync-options': 'Prune=false',
    });
    await liveTracked('other-app', dest, 'not-mine');
    await h.requestSync('pruning');
    const app = await h.finished('pruning');
    const state = app.status?.operationState;
    expect(state?.phase).toBe('Succeeded');
    const byName = new Map(state?.syncResult?.resources?.map((r) => [r.name, r]));
    expect(byName.get('old')?.status).toBe('Pruned');
    expect(byName.get('old-last')?.status).toBe('Pruned');
    expect(byName.get('precious')?.status).toBe('PruneSkipped');
    expect(byName.has('not-mine')).toBe(false);
    expect(await gone(dest, 'old')).toBe(true);
    expect(await gone(dest, 'precious')).toBe(false);
    expect(await gone(dest, 'not-mine')).toBe(false);
    const events = (await h.events('pruning')).filter((e) =>
      ['resource.applied', 'resource.pruned'].includes(e['name']),
    );
    const at = (n: string) => events.findIndex((e) => e['data'].resource.name === n);
    expect(at('old')).toBeLessThan(at('late'));
    expect(at('late')).toBeLessThan(at('old-last'));
  });

  it('CreateNamespace=true creates the destination namespace first', async () => {
    const dest = `created-${Date.now().toString(36)}`;
    await h.createApp('nsapp', [configMap('in-new-ns')], {
      destination: { server: 'https://kubernetes.default.svc', namespace: dest },
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    });
    await h.requestSync('nsapp');
    const app = await h.finished('nsapp');
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    expect(await gone(dest, 'in-new-ns')).toBe(false);
    await h.env.kube.objects.delete({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: dest },
    });
  });

  it('retries a failed sync with backoff and says so in status', async () => {
    await h.createApp('retrying', [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, data: { a: 1 } },
    ]);
    await h.requestSync('retrying', {
      sync: { revision: RENDERED },
      retry: { limit: 2, backoff: { duration: '1s', factor: 2, maxDuration: '5s' } },
    });
    await waitFor(
      'a retry message',
      async () =>
        ((await h.app('retrying')).status?.operationState?.message ?? '').includes(
          'Retrying attempt #1',
        ),
      { timeoutMs: 60_000 },
    );
    const app = await h.finished('retrying');
    const state = app.status?.operationState;
    expect(state?.phase).toBe('Failed');
    expect(state?.retryCount).toBe(2);
    expect(state?.message).toContain('(retried 2 times)');
  });

  it('terminate: withdrawing the operation stops a running hook and ends Failed', async () => {
    const { dest } = await h.createApp('terminating', [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'long', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { annotations: { 'flotilla.dev/test-duration': '300s' } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'alpine' }] },
          },
        },
      },
      configMap('never'),
    ]);
    await h.requestSync('terminating');
    await waitFor(
      'the hook to run',
      async () =>
        (await h.app('terminating')).status?.operationState?.message?.includes(
          'completion of hook',
        ) ?? false,
      { timeoutMs: 60_000 },
    );
    await h.requestSync('terminating', null as never);
    const app = await h.finished('terminating');
    expect(app.status?.operationState?.phase).toBe('Failed');
    expect(app.status?.operationState?.message).toBe('Operation terminated');
    await waitFor(
      'the hook to be deleted',
      async () =>
        h.env.kube.objects
          .read({
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: { name: 'long', namespace: dest },
          })
          .then(
            (j) => (j.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined,
          )
          .catch(() => true),
      { timeoutMs: 30_000 },
    );
    expect(await gone(dest, 'never')).toBe(true);
  });
});
