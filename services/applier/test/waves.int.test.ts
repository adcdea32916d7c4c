import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compatObjects, startApplierHarness, type ApplierHarness } from './harness.js';

describe('the applier runs the compat examples in Argo CD order', () => {
  let h: ApplierHarness;
  beforeAll(async () => {
    h = await startApplierHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sync-waves: PreSync hook, then waves 0 to 3 with their Sync hooks', async () => {
    const { dest } = await h.createApp('waves', compatObjects('sync-waves', 'manifests.yaml'));
    await h.requestSync('waves');
    const app = await h.finished('waves');
    const state = app.status?.operationState;
    expect(state?.phase).toBe('Succeeded');
    expect(state?.message).toBe('successfully synced (all tasks run)');
    expect(app.status?.history).toHaveLength(1);
    const counted = await register.getSingleMetric('flotilla_sync_operations_total')?.get();
    expect(
      counted?.values.find(
        (v) => v.labels['phase'] === 'Succeeded' && v.labels['trigger'] === 'operation',
      )?.value,
    ).toBeGreaterThanOrEqual(1);

    const started = (await h.events('waves'))
      .filter((e) => e['name'] === 'resource.applied' || e['name'] === 'hook.started')
      .map((e) => {
        const d = e['data'] as {
          resource?: { kind: string; name: string };
          hook?: { kind: string; name: string };
        };
        const r = d.resource ?? d.hook;
        return `${r?.kind}/${r?.name}`;
      });
    const at = (prefix: string) => started.findIndex((s) => s.startsWith(prefix));
    expect(at('Job/upgrade-sql-schema')).toBe(0);
    expect(at('Service/backend')).toBeLessThan(at('Job/maint-page-up'));
    expect(at('ReplicaSet/backend')).toBeLessThan(at('Job/maint-page-up'));
    expect(at('Job/maint-page-up')).toBeLessThan(at('Service/frontend'));
    expect(at('ReplicaSet/frontend')).toBeLessThan(at('Job/maint-page-down'));

    const rows = state?.syncResult?.resources?.map((r) => [
      r.kind,
      r.name.startsWith('upgrade-sql-schema') ? 'upgrade-sql-schema' : r.name,
      r.syncPhase,
      r.hookPhase,
    ]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['Job', 'upgrade-sql-schema', 'PreSync', 'Succeeded'],
        ['ReplicaSet', 'backend', 'Sync', 'Succeeded'],
        ['Service', 'frontend', 'Sync', 'Succeeded'],
        ['Job', 'maint-page-down', 'Sync', 'Succeeded'],
      ]),
    );
    const live = await h.env.kube.objects.read({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'frontend', namespace: dest },
    });
    expect(live.metadata?.annotations?.['flotilla.dev/tracking-id']).toBe(
      `${h.ns}_waves:/Service:${dest}/frontend`,
    );
  });
});
