// A hook-runner process killed with SIGKILL while its hook Job runs: the hook
// command comes back to another hook-runner, which adopts the Job by name
// instead of creating a second one and reports how it ended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@flotilla/kube';
import { waitFor } from '@flotilla/testing';
import { startApplierHarness, type ApplierHarness } from './harness.js';
import { job } from './objects.js';

describe('a hook-runner process killed while a hook runs', () => {
  let h: ApplierHarness;
  beforeAll(async () => {
    h = await startApplierHarness({ roles: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('another hook-runner reports the same Job and the operation succeeds', async () => {
    await h.startService('applier');
    const first = await h.startService('hook-runner');

    const { dest } = await h.createApp('hookcrash', [
      job(
        'migrate',
        { 'argocd.argoproj.io/hook': 'PreSync' },
        { 'flotilla.dev/test-duration': '40s' },
      ),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-hook' }, data: { a: '1' } },
    ]);
    await h.requestSync('hookcrash');
    const jobs = async () =>
      (await h.env.kube.objects.list('batch/v1', 'Job', dest)).items.map(
        (j: KubernetesObject) => `${j.metadata?.name}/${j.metadata?.uid}`,
      );
    const hookStarted = async () =>
      (await h.events('hookcrash')).filter((e) => e['name'] === 'hook.started').length;
    await waitFor(
      'the hook-runner to create the hook and the applier to wait on it',
      async () =>
        (await hookStarted()) === 1 &&
        (await h.app('hookcrash')).status?.operationState?.message ===
          'PreSync wave 0: waiting for completion of hook batch/Job/migrate',
      { timeoutMs: 120_000 },
    );
    const before = await jobs();
    expect(before).toHaveLength(1);

    await h.startService('hook-runner');
    await first.kill('SIGKILL');

    const app = await h.finished('hookcrash');
    const state = app.status?.operationState;
    expect(state?.phase).toBe('Succeeded');
    expect(state?.syncResult?.resources?.find((r) => r.name === 'migrate')?.hookPhase).toBe(
      'Succeeded',
    );
    expect(await jobs()).toEqual(before);
    const names = (await h.events('hookcrash')).map((e) => e['name'] as string);
    expect(names.filter((n) => n === 'hook.started')).toHaveLength(1);
    expect(names.filter((n) => n === 'hook.succeeded')).toHaveLength(1);
    expect(
      (
        await h.env.kube.objects.read({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'after-hook', namespace: dest },
        })
      ).metadata?.name,
    ).toBe('after-hook');
  }, 300_000);
});
