// An applier that dies after handing a hook to the hook-runner but before it
// wrote that down in status: the next applier must adopt the running hook, not
// take it for a leftover of an earlier sync and delete it (BeforeHookCreation).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationStatusPath } from '@flotilla/api';
import { rawRequest } from '@flotilla/kube';
import { waitFor } from '@flotilla/testing';
import { startApplierHarness, type ApplierHarness } from './harness.js';
import { job } from './objects.js';

describe('an applier killed between a hook hand-over and its status write', () => {
  let h: ApplierHarness;
  beforeAll(async () => {
    h = await startApplierHarness({ roles: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the next applier keeps the hook this operation created and waits for its real end', async () => {
    const knobs = { FLOTILLA_SYNC_LEASE_SECONDS: '4', FLOTILLA_SYNC_LEASE_BUSY_MS: '1000' };
    await h.startService('hook-runner', knobs);
    const first = await h.startService('applier', knobs);
    const { dest } = await h.createApp('handover', [
      // No delete policy: BeforeHookCreation, the default.
      job(
        'migrate',
        { 'argocd.argoproj.io/hook': 'PreSync' },
        { 'flotilla.dev/test-duration': '20s' },
      ),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-hook' }, data: { a: '1' } },
    ]);
    await h.requestSync('handover');
    const uid = () =>
      h.env.kube.objects
        .read({
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'migrate', namespace: dest },
        })
        .then((j) => j.metadata?.uid)
        .catch(() => undefined);
    await waitFor(
      'the hook to run',
      async () =>
        (await uid()) !== undefined &&
        (await h.app('handover')).status?.operationState?.message ===
          'PreSync wave 0: waiting for completion of hook batch/Job/migrate',
      { timeoutMs: 120_000 },
    );
    const created = await uid();
    await first.kill('SIGKILL');

    // What a kill right after the hand-over leaves: the hook runs, status does not know it yet.
    await rawRequest(h.env.kube.kc, {
      method: 'PATCH',
      path: applicationStatusPath(h.ns, 'handover'),
      contentType: 'application/merge-patch+json',
      body: { status: { operationState: { syncResult: { resources: [] } } } },
    });
    expect(
      (await h.app('handover')).status?.operationState?.syncResult?.resources ?? [],
    ).toHaveLength(0);

    await h.startService('applier', knobs);
    const app = await h.finished('handover');
    const state = app.status?.operationState;
    expect(state?.phase).toBe('Succeeded');
    expect(await uid()).toBe(created);
    const hook = state?.syncResult?.resources?.find((r) => r.name === 'migrate');
    expect(hook?.hookPhase).toBe('Succeeded');
    expect(hook?.message).not.toContain('was deleted');
    const names = (await h.events('handover')).map((e) => e['name'] as string);
    expect(names.filter((n) => n === 'hook.started')).toHaveLength(1);
    expect(names.filter((n) => n === 'operation.started')).toHaveLength(1);
  }, 300_000);
});
