// A rolling upgrade's handover: an applier that gets SIGTERM while an operation
// waits on a hook releases the app's lease itself (the key deleted, the release
// published) instead of leaving it to lapse, and another applier process
// continues the same operation: one start, one hook, one end. The lease TTL is
// a minute, so an expiry cannot stand in for the release this test looks for.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appKey } from '@flotilla/contracts';
import { waitFor } from '@flotilla/testing';
import { startApplierHarness, type ApplierHarness } from './harness.js';
import { job } from './objects.js';

describe('an applier stopped with SIGTERM mid-operation', () => {
  let h: ApplierHarness;
  let redis: Redis;
  let subscriber: Redis;
  beforeAll(async () => {
    h = await startApplierHarness({ roles: false });
    redis = new Redis(h.env.redis.url);
    subscriber = new Redis(h.env.redis.url);
  });
  afterAll(async () => {
    subscriber?.disconnect();
    redis?.disconnect();
    await h?.close();
  });

  it('releases its lease on the way out, and the next applier continues the operation', async () => {
    const knobs = { FLOTILLA_SYNC_LEASE_SECONDS: '60', FLOTILLA_SYNC_LEASE_BUSY_MS: '1000' };
    await h.startService('hook-runner', knobs);
    const first = await h.startService('applier', knobs);
    const { dest } = await h.createApp('graceful', [
      job(
        'migrate',
        { 'argocd.argoproj.io/hook': 'PreSync' },
        { 'flotilla.dev/test-duration': '15s' },
      ),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-hook' }, data: { a: '1' } },
    ]);
    const lease = `flotilla:lease:sync:${appKey({ namespace: h.ns, name: 'graceful' })}`;
    const releases: string[] = [];
    subscriber.on('message', (channel: string) => releases.push(channel));
    await subscriber.subscribe(`${lease}:released`);

    await h.requestSync('graceful');
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
      'the operation waiting on its hook',
      async () =>
        (await uid()) !== undefined &&
        (await h.app('graceful')).status?.operationState?.message ===
          'PreSync wave 0: waiting for completion of hook batch/Job/migrate',
      { timeoutMs: 120_000 },
    );
    const created = await uid();
    // Held by the first applier while it waits: its renewals keep the key alive.
    const held = await redis.get(lease);
    expect(held).not.toBeNull();
    const tokenBefore = Number(await redis.get(`${lease}:token`));

    expect(await first.kill('SIGTERM')).toBe(0);
    // The stopping process deleted the key and said so: the TTL (60 s) did not lapse.
    expect(await redis.get(lease)).toBeNull();
    await waitFor('the release message', () => releases.length > 0, { timeoutMs: 10_000 });
    expect(releases).toEqual([`${lease}:released`]);
    // The operation is left Running for the next holder, not ended.
    expect((await h.app('graceful')).status?.operationState?.phase).toBe('Running');

    await h.startService('applier', knobs);
    const state = (await h.finished('graceful')).status?.operationState;
    expect(state?.phase).toBe('Succeeded');
    // The next holder took the lease anew (a higher fencing token) and adopted the hook.
    expect(Number(await redis.get(`${lease}:token`))).toBeGreaterThan(tokenBefore);
    expect(await uid()).toBe(created);
    const hook = state?.syncResult?.resources?.find((r) => r.name === 'migrate');
    expect(hook?.hookPhase).toBe('Succeeded');
    // One operation: started once, the hook started once, ended once, never failed.
    const names = (await h.events('graceful')).map((e) => e['name'] as string);
    expect(names.filter((n) => n === 'operation.started')).toHaveLength(1);
    expect(names.filter((n) => n === 'hook.started')).toHaveLength(1);
    expect(names.filter((n) => n === 'operation.succeeded')).toHaveLength(1);
    expect(names).not.toContain('operation.failed');
  }, 300_000);
});
