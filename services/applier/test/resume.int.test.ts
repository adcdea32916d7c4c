import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@flotilla/testing';
import { startApplierHarness, type ApplierHarness } from './harness.js';

describe('an operation outlives the applier that started it', () => {
  let h: ApplierHarness;
  beforeAll(async () => {
    h = await startApplierHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('another applier takes the lease and resumes from status without re-creating the hook', async () => {
    const { dest } = await h.createApp('resume', [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'migrate', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { annotations: { 'flotilla.dev/test-duration': '6s' } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'alpine' }] },
          },
        },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-hook' }, data: { a: '1' } },
    ]);
    await h.requestSync('resume');
    await waitFor(
      'the hook to run',
      async () =>
        (await h.app('resume')).status?.operationState?.message?.includes('completion of hook') ??
        false,
      { timeoutMs: 60_000 },
    );
    const uid = async () =>
      (
        await h.env.kube.objects.read({
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'migrate', namespace: dest },
        })
      ).metadata?.uid;
    await waitFor(
      'the hook to exist',
      async () => (await uid().catch(() => undefined)) !== undefined,
      {
        timeoutMs: 60_000,
      },
    );
    const before = await uid();
    expect((await h.app('resume')).status?.operationState?.message).toBe(
      'PreSync wave 0: waiting for completion of hook batch/Job/migrate',
    );
    await h.stopApplier(0);
    expect((await h.app('resume')).status?.operationState?.phase).toBe('Running');
    await h.startApplier();
    const app = await h.finished('resume');
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    expect(await uid()).toBe(before);
    const started = (await h.events('resume')).filter((e) => e['name'] === 'operation.started');
    expect(started).toHaveLength(1);
  });
});
