// NATS stops in the middle of a sync and starts again with its JetStream store:
// the hook-runner finishes its hook while the bus is gone, the applier hands
// the next hook over once it is back, and the operation still ends Succeeded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { HookStore } from '@flotilla/sync-exec';
import { waitFor } from '@flotilla/testing';
import { startApplierHarness, type ApplierHarness } from './harness.js';
import { job } from './objects.js';

const hook = (name: string, phase: string, pod: Record<string, string> = {}) =>
  job(name, { 'argocd.argoproj.io/hook': phase }, pod);

describe('a NATS restart during a sync', () => {
  let h: ApplierHarness;
  let redis: Redis;
  beforeAll(async () => {
    h = await startApplierHarness();
    redis = new Redis(h.env.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
  });

  it('loses no operation: the sync ends Succeeded with every hook and resource', async () => {
    const { dest } = await h.createApp('restart', [
      hook('migrate', 'PreSync', { 'flotilla.dev/test-duration': '8s' }),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { a: '1' } },
      hook('notify', 'PostSync'),
    ]);
    await h.requestSync('restart');
    await waitFor(
      'the PreSync hook to run',
      async () =>
        (await h.app('restart')).status?.operationState?.message ===
        'PreSync wave 0: waiting for completion of hook batch/Job/migrate',
      { timeoutMs: 120_000 },
    );
    const operationId = (
      await h.events('restart').then((es) => es.find((e) => e['name'] === 'operation.started'))
    )?.['data'].operationId as string;
    expect(operationId).toBeTruthy();

    const store = new HookStore(redis);
    const hookKey = (name: string) => ({ group: 'batch', kind: 'Job', namespace: dest, name });
    const jobUid = (name: string) =>
      h.env.kube.objects
        .read({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: dest } })
        .then((j) => j.metadata?.uid)
        .catch(() => undefined);
    await waitFor('the PreSync Job', async () => (await jobUid('migrate')) !== undefined, {
      timeoutMs: 60_000,
    });
    const migrate = await jobUid('migrate');

    await h.env.nats.stop();
    // The hook ends while the bus is down: its verdict is kept, its event cannot be sent.
    await waitFor(
      'the hook verdict',
      async () => (await store.verdict(operationId, hookKey('migrate'))) !== undefined,
      { timeoutMs: 120_000 },
    );
    // The applier moves on, cannot hand the PostSync hook over, and lets go
    // of the operation (its lease) for the command to come back.
    const lease = `flotilla:lease:sync:${h.ns}/restart`;
    await waitFor(
      'the PostSync hand-over to fail',
      async () =>
        (await store.spec(operationId, hookKey('notify'))) !== undefined &&
        (await redis.exists(lease)) === 0,
      { timeoutMs: 120_000 },
    );
    expect((await h.app('restart')).status?.operationState?.phase).toBe('Running');
    await h.env.nats.restart();

    const app = await h.finished('restart');
    const state = app.status?.operationState;
    expect(state?.phase).toBe('Succeeded');
    const rows = state?.syncResult?.resources?.map((r) => [r.name, r.syncPhase, r.hookPhase]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['migrate', 'PreSync', 'Succeeded'],
        ['notify', 'PostSync', 'Succeeded'],
      ]),
    );
    const cm = await h.env.kube.objects.read({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'app-config', namespace: dest },
    });
    expect(cm.metadata?.name).toBe('app-config');
    expect(await jobUid('migrate')).toBe(migrate);
    // The events stream survived the restart.
    const names = (await h.events('restart')).map((e) => e['name'] as string);
    expect(names.filter((n) => n === 'operation.started')).toHaveLength(1);
    expect(names).toContain('operation.succeeded');
  }, 300_000);
});
