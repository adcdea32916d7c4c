// An applier process killed with SIGKILL in the middle of a wave: its lease
// lapses, another applier process takes it and resumes the operation from
// status.operationState without applying the earlier waves or hooks again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { KubernetesObject } from '@flotilla/kube';
import { waitFor } from '@flotilla/testing';
import { compatObjects, startApplierHarness, type ApplierHarness } from './harness.js';

const LEASE_SECONDS = 4;

/** sync-waves, with the wave-1 hook running long enough to be killed under. */
function slowWaves(): Record<string, unknown>[] {
  return compatObjects('sync-waves', 'manifests.yaml').map((o) => {
    const meta = o['metadata'] as { name?: string };
    if (meta.name !== 'maint-page-up') return o;
    const copy = structuredClone(o) as {
      spec: { template: { metadata?: { annotations?: Record<string, string> } } };
    };
    copy.spec.template.metadata = { annotations: { 'flotilla.dev/test-duration': '30s' } };
    return copy;
  });
}

describe('an applier process killed mid-wave', () => {
  let h: ApplierHarness;
  let redis: Redis;
  beforeAll(async () => {
    h = await startApplierHarness({ roles: false });
    redis = new Redis(h.env.redis.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
  });

  it('another replica takes the lease after its TTL and finishes the operation without redoing wave 0', async () => {
    const knobs = {
      FLOTILLA_SYNC_LEASE_SECONDS: String(LEASE_SECONDS),
      FLOTILLA_SYNC_LEASE_BUSY_MS: '1000',
    };
    const start = (service: string) => h.startService(service, knobs);
    await start('hook-runner');
    const first = await start('applier');

    const { dest } = await h.createApp('crash', slowWaves());
    await h.requestSync('crash');
    await waitFor(
      'wave 1 to wait on its hook',
      async () =>
        (await h.app('crash')).status?.operationState?.message ===
        'Sync wave 1: waiting for completion of hook batch/Job/maint-page-up',
      { timeoutMs: 120_000 },
    );

    const read = (apiVersion: string, kind: string, name: string) =>
      h.env.kube.objects.read({ apiVersion, kind, metadata: { name, namespace: dest } });
    const jobs = async () =>
      (await h.env.kube.objects.list('batch/v1', 'Job', dest)).items.map(
        (j: KubernetesObject) => `${j.metadata?.name}/${j.metadata?.uid}`,
      );
    // What an apply would move: the generation, and the entry of our field
    // manager. (The ReplicaSet's resourceVersion also moves with its status.)
    const fingerprint = (o: KubernetesObject) => ({
      uid: o.metadata?.uid,
      generation: o.metadata?.generation,
      applied: o.metadata?.managedFields?.filter((f) => f.manager === 'flotilla'),
    });
    const wave0 = async () => {
      const service = await read('v1', 'Service', 'backend');
      return {
        replicaSet: fingerprint(await read('apps/v1', 'ReplicaSet', 'backend')),
        service: { ...fingerprint(service), resourceVersion: service.metadata?.resourceVersion },
      };
    };
    const before = { wave0: await wave0(), jobs: await jobs() };
    expect(before.wave0.replicaSet.applied).toHaveLength(1);
    // The PreSync hook and the running wave-1 hook.
    expect(before.jobs).toHaveLength(2);
    const leaseToken = `flotilla:lease:sync:${h.ns}/crash:token`;
    const tokenBefore = Number(await redis.get(leaseToken));
    expect(tokenBefore).toBeGreaterThan(0);

    // A second replica is up (its start-up look at pending operations sends a
    // command that bounces off the held lease) when the first dies.
    await start('applier');
    await first.kill('SIGKILL');
    expect((await h.app('crash')).status?.operationState?.phase).toBe('Running');

    const app = await h.finished('crash');
    const state = app.status?.operationState;
    expect(state?.phase).toBe('Succeeded');
    expect(state?.message).toBe('successfully synced (all tasks run)');
    expect(Number(await redis.get(leaseToken))).toBeGreaterThan(tokenBefore);

    // Nothing of wave 0 was written again, and no hook was made twice.
    expect(await wave0()).toEqual(before.wave0);
    const after = await jobs();
    for (const job of before.jobs) expect(after).toContain(job);
    expect(after.filter((j) => j.startsWith('maint-page-up/'))).toHaveLength(1);
    expect(after.filter((j) => j.startsWith('upgrade-sql-schema'))).toHaveLength(1);

    const events = await h.events('crash');
    const count = (name: string, of: string) =>
      events.filter(
        (e) =>
          e['name'] === name &&
          ((e['data'].resource ?? e['data'].hook) as { name: string }).name.startsWith(of),
      ).length;
    expect(count('resource.applied', 'backend')).toBe(2); // the ReplicaSet and the Service
    expect(count('hook.started', 'upgrade-sql-schema')).toBe(1);
    expect(count('hook.started', 'maint-page-up')).toBe(1);
    expect(count('resource.applied', 'frontend')).toBe(2);
    expect(count('hook.started', 'maint-page-down')).toBe(1);
    expect(events.filter((e) => e['name'] === 'operation.started')).toHaveLength(1);
    expect(events.filter((e) => e['name'] === 'operation.succeeded')).toHaveLength(1);
  }, 300_000);
});
