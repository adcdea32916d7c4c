// Application deletion under a resources finalizer, and prune confirmation,
// against the real control plane with the applier and hook-runner in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationPath, Finalizer } from '@flotilla/api';
import { ApiError, rawRequest } from '@flotilla/kube';
import { waitFor, type StoredMessage } from '@flotilla/testing';
import { startApplierHarness, type ApplierHarness } from './harness.js';
import { configMap, job, liveConfigMap } from './objects.js';

describe('application deletion and prune confirmation', () => {
  let h: ApplierHarness;
  beforeAll(async () => {
    h = await startApplierHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const appPath = (name: string) => applicationPath(h.ns, name);
  const patchApp = (name: string, body: Record<string, unknown>) =>
    rawRequest(h.env.kube.kc, {
      method: 'PATCH',
      path: appPath(name),
      contentType: 'application/merge-patch+json',
      body,
    });
  const deleteApp = (name: string) =>
    rawRequest(h.env.kube.kc, { method: 'DELETE', path: appPath(name) });
  const appGone = async (name: string) =>
    h
      .app(name)
      .then(() => false)
      .catch((err: unknown) => err instanceof ApiError && err.status === 404);
  const exists = async (apiVersion: string, kind: string, namespace: string, name: string) =>
    h.env.kube.objects
      .read({ apiVersion, kind, metadata: { name, namespace } })
      .then(() => true)
      .catch((err: unknown) => {
        if ((err as { code?: number }).code === 404) return false;
        if (err instanceof ApiError && err.status === 404) return false;
        throw err;
      });
  const cmExists = (dest: string, name: string) => exists('v1', 'ConfigMap', dest, name);
  /** A ConfigMap in `dest` carrying `app`'s tracking id (or none), made outside any sync. */
  const liveCm = (
    dest: string,
    name: string,
    app: string | undefined,
    annotations: Record<string, string> = {},
  ) =>
    liveConfigMap(
      h.env.kube.kc,
      dest,
      name,
      app ? { namespace: h.ns, name: app } : undefined,
      annotations,
    );
  const synced = async (name: string) => {
    await h.requestSync(name);
    const app = await h.finished(name);
    expect(app.status?.operationState?.phase).toBe('Succeeded');
  };
  const eventNamed = async (app: string, event: string): Promise<StoredMessage> => {
    let found: StoredMessage | undefined;
    await waitFor(
      `${event} of ${app}`,
      async () => {
        found = (await h.events(app)).find((e) => e['name'] === event);
        return found !== undefined;
      },
      { timeoutMs: 120_000 },
    );
    return found as StoredMessage;
  };
  const gone = (name: string) =>
    waitFor(`app ${name} to be gone`, () => appGone(name), { timeoutMs: 120_000 });

  it('with the finalizer: PreDelete, own resources highest wave first, PostDelete, Delete=false kept', async () => {
    const { dest } = await h.createApp('cascade', [
      configMap('early', { 'argocd.argoproj.io/sync-wave': '-1' }),
      configMap('plain'),
      configMap('late', { 'argocd.argoproj.io/sync-wave': '3' }),
      configMap('precious', { 'argocd.argoproj.io/sync-options': 'Delete=false' }),
      job('backup', {
        'argocd.argoproj.io/hook': 'PreDelete',
        'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
      }),
      job('goodbye', { 'argocd.argoproj.io/hook': 'PostDelete' }),
    ]);
    await synced('cascade');
    // Deletion hooks are not part of a sync.
    expect(await exists('batch/v1', 'Job', dest, 'backup')).toBe(false);
    await liveCm(dest, 'someone-elses', 'other-app');
    await liveCm(dest, 'untracked', undefined);

    await patchApp('cascade', { metadata: { finalizers: [Finalizer.Resources] } });
    await deleteApp('cascade');
    await gone('cascade');

    expect(await cmExists(dest, 'early')).toBe(false);
    expect(await cmExists(dest, 'plain')).toBe(false);
    expect(await cmExists(dest, 'late')).toBe(false);
    expect(await cmExists(dest, 'precious')).toBe(true);
    expect(await cmExists(dest, 'someone-elses')).toBe(true);
    expect(await cmExists(dest, 'untracked')).toBe(true);
    // HookSucceeded: the PreDelete hook went once it succeeded; the PostDelete one stays.
    expect(await exists('batch/v1', 'Job', dest, 'backup')).toBe(false);
    expect(await exists('batch/v1', 'Job', dest, 'goodbye')).toBe(true);

    const events = await h.events('cascade');
    const step = (e: StoredMessage) =>
      e['name'] === 'hook.started'
        ? `${e['data'].hookType}:${e['data'].hook.name}`
        : e['name'] === 'resource.pruned' && String(e['data'].operationId).startsWith('del-')
          ? `pruned:${e['data'].resource.name}`
          : e['name'] === 'hook.succeeded'
            ? `done:${e['data'].hook.name}`
            : undefined;
    const order = events.map(step).filter((s): s is string => s !== undefined);
    const at = (s: string) => order.indexOf(s);
    expect(at('PreDelete:backup')).toBeGreaterThanOrEqual(0);
    expect(at('done:backup')).toBeGreaterThanOrEqual(0);
    expect(at('PreDelete:backup')).toBeLessThan(at('pruned:late'));
    expect(at('pruned:late')).toBeLessThan(at('pruned:plain'));
    expect(at('pruned:plain')).toBeLessThan(at('pruned:early'));
    expect(at('pruned:early')).toBeLessThan(at('PostDelete:goodbye'));
    expect(order).not.toContain('pruned:precious');
    const deleted = events.find((e) => e['name'] === 'app.deleted');
    expect(deleted?.['data']).toMatchObject({ deletedCount: 3, keptCount: 1 });
  });

  it('without the finalizer nothing is deleted (while a cascading deletion runs next to it)', async () => {
    const { dest } = await h.createApp('orphaning', [configMap('left-behind')]);
    await synced('orphaning');
    const other = await h.createApp('cascading', [configMap('removed')]);
    await synced('cascading');
    await patchApp('cascading', {
      metadata: { finalizers: ['resources-finalizer.argocd.argoproj.io/background'] },
    });
    await deleteApp('orphaning');
    await deleteApp('cascading');
    await gone('orphaning');
    await gone('cascading');
    const deleting = await eventNamed('cascading', 'app.deleting');
    expect(deleting['data']).toMatchObject({ cascade: true, propagation: 'Background' });
    expect(await cmExists(other.dest, 'removed')).toBe(false);
    expect(await cmExists(dest, 'left-behind')).toBe(true);
    expect((await h.events('orphaning')).map((e) => e['name'])).not.toContain('app.deleting');
  });

  it('a failing PreDelete hook stops the deletion: finalizer, app and resources stay', async () => {
    const { dest } = await h.createApp('blocked', [
      configMap('stays'),
      job(
        'refuse',
        { 'argocd.argoproj.io/hook': 'PreDelete' },
        { 'flotilla.dev/test-fail': 'true' },
      ),
    ]);
    await synced('blocked');
    await patchApp('blocked', { metadata: { finalizers: [Finalizer.Resources] } });
    await deleteApp('blocked');
    const failed = await eventNamed('blocked', 'app.deletion-failed');
    expect(String(failed['data'].message)).toContain('PreDelete hook(s) failed');
    const app = await h.app('blocked');
    expect(app.metadata?.finalizers).toEqual([Finalizer.Resources]);
    expect(await cmExists(dest, 'stays')).toBe(true);
    const kubeEvents = await rawRequest<{ items: { reason?: string; message?: string }[] }>(
      h.env.kube.kc,
      {
        method: 'GET',
        path: `/api/v1/namespaces/${h.ns}/events`,
        query: { fieldSelector: `involvedObject.name=blocked` },
      },
    );
    expect(kubeEvents.items.map((e) => e.reason)).toContain('DeletionFailed');
    // Removing the finalizer is how a person lets it go without its resources.
    await patchApp('blocked', { metadata: { finalizers: null } });
    await gone('blocked');
    expect(await cmExists(dest, 'stays')).toBe(true);
  });

  it('Delete=confirm holds the app deletion until the app is approved', async () => {
    const { dest } = await h.createApp('confirm-delete', [
      configMap('ask-first', { 'argocd.argoproj.io/sync-options': 'Delete=confirm' }),
      configMap('also'),
    ]);
    await synced('confirm-delete');
    await patchApp('confirm-delete', { metadata: { finalizers: [Finalizer.Resources] } });
    await deleteApp('confirm-delete');
    const waiting = await eventNamed('confirm-delete', 'app.deletion-waiting');
    expect(String(waiting['data'].message)).toContain('Waiting for deletion confirmation');
    expect(await cmExists(dest, 'ask-first')).toBe(true);
    expect(await cmExists(dest, 'also')).toBe(true);
    await patchApp('confirm-delete', {
      metadata: { annotations: { 'flotilla.dev/deletion-approved': new Date().toISOString() } },
    });
    await gone('confirm-delete');
    expect(await cmExists(dest, 'ask-first')).toBe(false);
    expect(await cmExists(dest, 'also')).toBe(false);
  });

  it('Prune=confirm: the sync waits for approval, then prunes', async () => {
    const { dest } = await h.createApp('confirm-prune', [configMap('current')]);
    await liveCm(dest, 'retired', 'confirm-prune', {
      'argocd.argoproj.io/sync-options': 'Prune=confirm',
    });
    await h.requestSync('confirm-prune');
    await waitFor(
      'the operation to wait for prune confirmation',
      async () => {
        const state = (await h.app('confirm-prune')).status?.operationState;
        return (
          state?.phase === 'Running' &&
          (state.message ?? '').includes('Waiting for pruning confirmation')
        );
      },
      { timeoutMs: 60_000 },
    );
    expect(await cmExists(dest, 'retired')).toBe(true);
    await patchApp('confirm-prune', {
      metadata: {
        annotations: { 'argocd.argoproj.io/deletion-approved': new Date().toISOString() },
      },
    });
    const app = await h.finished('confirm-prune');
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    expect(await cmExists(dest, 'retired')).toBe(false);
    expect(await cmExists(dest, 'current')).toBe(true);
  });
  it('a sync that runs when the app is deleted ends first; the deletion follows', async () => {
    const { dest } = await h.createApp('busy', [
      job(
        'warm-up',
        { 'argocd.argoproj.io/hook': 'PreSync' },
        { 'flotilla.dev/test-duration': '4s' },
      ),
      configMap('synced-late'),
    ]);
    await patchApp('busy', { metadata: { finalizers: [Finalizer.Resources] } });
    await h.requestSync('busy');
    await eventNamed('busy', 'hook.started');
    await deleteApp('busy');
    await gone('busy');
    const names = (await h.events('busy')).map((e) => e['name']);
    expect(names.indexOf('operation.succeeded')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('operation.succeeded')).toBeLessThan(names.indexOf('app.deleting'));
    // Applied by the sync, then deleted with the app.
    expect(names).toContain('resource.applied');
    expect(await cmExists(dest, 'synced-late')).toBe(false);
  });

  it('another applier finishes a deletion the first one left while its PreDelete hook ran', async () => {
    const { dest } = await h.createApp('handover', [
      configMap('handed'),
      job(
        'slow-backup',
        { 'argocd.argoproj.io/hook': 'PreDelete' },
        { 'flotilla.dev/test-duration': '6s' },
      ),
    ]);
    await synced('handover');
    await patchApp('handover', { metadata: { finalizers: [Finalizer.Resources] } });
    await deleteApp('handover');
    await eventNamed('handover', 'hook.started');
    await h.stopApplier(0);
    await h.startApplier();
    await gone('handover');
    expect(await cmExists(dest, 'handed')).toBe(false);
    const events = await h.events('handover');
    const started = events.filter(
      (e) => e['name'] === 'hook.started' && e['data'].hook.name === 'slow-backup',
    );
    expect(started).toHaveLength(1);
    expect(events.filter((e) => e['name'] === 'app.deleted')).toHaveLength(1);
  });
});
