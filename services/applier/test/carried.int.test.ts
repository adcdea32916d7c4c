// Automated syncs whose command carries the operation (the differ writes no
// `Application.operation`): run with one status write, dropped when stale,
// stopped by terminate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPLICATION,
  GROUP,
  VERSION,
  applicationStatusPath,
  type Application,
} from '@flotilla/api';
import { createPublisher, startWorker } from '@flotilla/bus';
import { operationIdOf, type DiffCommand, type SyncCommand } from '@flotilla/contracts';
import { ApplicationClient, customResourceInformer, rawRequest } from '@flotilla/kube';
import { createLogger } from '@flotilla/runtime';
import { waitFor } from '@flotilla/testing';
import { RENDERED, startApplierHarness, type ApplierHarness } from './harness.js';

const automated = {
  sync: { revision: RENDERED, prune: true },
  initiatedBy: { automated: true },
  retry: { limit: 0 },
};

const configMap = (name: string, wave?: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    ...(wave ? { annotations: { 'argocd.argoproj.io/sync-wave': wave } } : {}),
  },
  data: { a: '1' },
});

describe('automated syncs carried by their command', () => {
  let h: ApplierHarness;
  const diffs: DiffCommand[] = [];
  let stopDiffs: () => Promise<void>;
  beforeAll(async () => {
    h = await startApplierHarness();
    // Stands in for the differ: records the comparisons the applier asks for.
    const w = startWorker({
      nc: h.nc,
      kind: 'diff',
      logger: createLogger({ name: 't', level: 'silent' }),
      handler: async (c) => void diffs.push(c),
    });
    stopDiffs = () => w.stop();
  });
  afterAll(async () => {
    await stopDiffs?.();
    await h?.close();
  });

  const send = (name: string, extra: Partial<SyncCommand> = {}) =>
    createPublisher(h.nc).command({
      version: 1,
      kind: 'sync',
      app: { namespace: h.ns, name },
      reason: 'automated sync',
      trigger: 'automated',
      revision: RENDERED,
      operation: automated,
      lastOperationStartedAt: '',
      ...extra,
    });

  const ended = (name: string) =>
    waitFor(
      `the operation of ${name} to end`,
      async () => {
        const phase = (await h.app(name)).status?.operationState?.phase;
        return phase !== undefined && phase !== 'Running' && phase !== 'Terminating';
      },
      { timeoutMs: 60_000 },
    ).then(() => h.app(name));

  it('runs with one Application write: no operation, no Running state, no clear', async () => {
    const { dest } = await h.createApp('one-write', [configMap('one-write')], {
      syncPolicy: { automated: { prune: true } },
    });
    const writes: string[] = [];
    const informer = customResourceInformer<Application>(
      h.env.kube.kc,
      { group: GROUP, version: VERSION, plural: APPLICATION.plural },
      h.ns,
    );
    informer.on('update', (a) => {
      if (a.metadata?.name === 'one-write')
        writes.push(`${a.operation ? 'operation' : '-'} ${a.status?.operationState?.phase}`);
    });
    await informer.start();
    try {
      await send('one-write');
      const app = await ended('one-write');
      expect(app.status?.operationState?.phase).toBe('Succeeded');
      expect(app.status?.operationState?.operation.initiatedBy?.automated).toBe(true);
      expect(app.operation).toBeUndefined();
      const live = await h.env.kube.objects.read({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'one-write', namespace: dest },
      });
      expect(live.metadata?.name).toBe('one-write');
      await waitFor('the final write seen', () => writes.length > 0, { timeoutMs: 10_000 });
      expect(writes).toEqual(['- Succeeded']);
      // The end asks for a comparison at the version it wrote.
      await waitFor(
        'a comparison asked for',
        () => diffs.some((d) => d.app.name === 'one-write' && d.appResourceVersion),
        { timeoutMs: 10_000 },
      );
    } finally {
      await informer.stop();
    }
  });

  it('drops a decision made before another operation started, and asks for a comparison', async () => {
    const { dest } = await h.createApp('stale', [configMap('stale')], {
      syncPolicy: { automated: { prune: true } },
    });
    // An operation ran after the comparison that decided this sync.
    await h.requestSync('stale');
    const first = await h.finished('stale');
    const startedAt = first.status?.operationState?.startedAt;
    await h.env.kube.objects.delete({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'stale', namespace: dest },
    });
    const before = diffs.filter((d) => d.app.name === 'stale').length;
    await send('stale', { lastOperationStartedAt: '' });
    await waitFor(
      'a comparison asked for',
      () => diffs.filter((d) => d.app.name === 'stale').length > before,
      { timeoutMs: 30_000 },
    );
    const after = await h.app('stale');
    expect(after.status?.operationState?.startedAt).toBe(startedAt);
    await expect(
      h.env.kube.objects.read({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'stale', namespace: dest },
      }),
    ).rejects.toThrow();
    // The same decision made after that operation runs.
    await send('stale', { lastOperationStartedAt: startedAt ?? '' });
    await waitFor(
      'a second operation',
      async () => (await h.app('stale')).status?.operationState?.startedAt !== startedAt,
      { timeoutMs: 30_000 },
    );
    expect((await ended('stale')).status?.operationState?.phase).toBe('Succeeded');
  });

  it('starts when it was decided: a run restarted after a crash is the same operation', async () => {
    await h.createApp('decided', [configMap('decided')], {
      syncPolicy: { automated: { prune: true } },
    });
    // A decision that waited in the queue, or whose first run died before it wrote anything.
    const decidedAt = new Date(Date.now() - 4_321).toISOString();
    await send('decided', { decidedAt });
    const state = (await ended('decided')).status?.operationState;
    expect(state?.phase).toBe('Succeeded');
    expect(state?.startedAt).toBe(decidedAt);
    const events = await h.events('decided');
    const id = operationIdOf('op', { namespace: h.ns, name: 'decided' }, Date.parse(decidedAt));
    const ids = (name: string) =>
      events
        .filter((e) => e['name'] === name)
        .map((e) => (e['data'] as Record<string, unknown>)['operationId']);
    expect(ids('operation.started')).toEqual([id]);
    expect(ids('operation.succeeded')).toEqual([id]);
  });

  it('announces the end a run wrote but died before announcing, once, and runs nothing again', async () => {
    const { dest } = await h.createApp('ended-silently', [configMap('ended-silently')], {
      syncPolicy: { automated: { prune: true } },
    });
    // What a kill between the final status write and the end event leaves.
    const decidedAt = new Date(Date.now() - 10_000).toISOString();
    await rawRequest(h.env.kube.kc, {
      method: 'PATCH',
      path: applicationStatusPath(h.ns, 'ended-silently'),
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          operationState: {
            operation: automated,
            phase: 'Succeeded',
            message: 'successfully synced (all tasks run)',
            syncResult: { revision: RENDERED },
            startedAt: decidedAt,
            finishedAt: new Date(Date.now() - 9_000).toISOString(),
          },
        },
      },
    });
    const id = operationIdOf(
      'op',
      { namespace: h.ns, name: 'ended-silently' },
      Date.parse(decidedAt),
    );
    const ends = async () =>
      (await h.events('ended-silently')).filter((e) => e['name'] === 'operation.succeeded');
    // The delivery comes back (twice, say): the end is announced, once.
    await send('ended-silently', { decidedAt });
    await waitFor('the end announced', async () => (await ends()).length > 0, {
      timeoutMs: 30_000,
    });
    await send('ended-silently', { decidedAt });
    const before = diffs.filter((d) => d.app.name === 'ended-silently').length;
    await waitFor(
      'the second delivery handled',
      () => diffs.filter((d) => d.app.name === 'ended-silently').length > before,
      { timeoutMs: 30_000 },
    );
    expect(
      (await ends()).map((e) => (e['data'] as Record<string, unknown>)['operationId']),
    ).toEqual([id]);
    const names = (await h.events('ended-silently')).map((e) => e['name']);
    expect(names).not.toContain('operation.started');
    // Nothing ran again: the ConfigMap the operation would apply was never written here.
    await expect(
      h.env.kube.objects.read({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ended-silently', namespace: dest },
      }),
    ).rejects.toThrow();
  });

  it('terminate marks it Terminating and it ends Failed before its next wave', async () => {
    // Wave 0 never becomes healthy (a LoadBalancer Service gets no address here).
    const { dest } = await h.createApp(
      'terminate',
      [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'lb', annotations: { 'argocd.argoproj.io/sync-wave': '0' } },
          spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
        },
        configMap('after', '1'),
      ],
      { syncPolicy: { automated: { prune: true } } },
    );
    await send('terminate');
    await waitFor(
      'the operation Running in wave 0',
      async () => (await h.app('terminate')).status?.operationState?.phase === 'Running',
      { timeoutMs: 60_000 },
    );
    expect(
      await new ApplicationClient(h.env.kube.kc).terminate({ namespace: h.ns, name: 'terminate' }),
    ).toBe(true);
    const app = await ended('terminate');
    expect(app.status?.operationState?.phase).toBe('Failed');
    expect(app.status?.operationState?.message).toMatch(/terminated/i);
    await expect(
      h.env.kube.objects.read({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'after', namespace: dest },
      }),
    ).rejects.toThrow();
  });
});
