// Sync options that decide what is applied and how, against the real
// apiserver: ApplyOutOfSyncOnly, RespectIgnoreDifferences,
// FailOnSharedResource and ServerSideApply=false (client-side apply).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPLY_PATCH_CONTENT_TYPE,
  DIFFER_FIELD_MANAGER,
  applicationStatusPath,
  differStatusPatch,
  type Application,
} from '@flotilla/api';
import { rawRequest } from '@flotilla/kube';
import { startApplierHarness, type ApplierHarness } from './harness.js';
import { liveConfigMap } from './objects.js';

interface LiveConfigMap {
  metadata: {
    resourceVersion: string;
    annotations?: Record<string, string>;
    managedFields?: { manager: string; operation: string }[];
  };
  data?: Record<string, string>;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const REVISION = 'a'.repeat(40);

describe('sync options that decide what is applied and how', () => {
  let h: ApplierHarness;
  beforeAll(async () => {
    h = await startApplierHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const cmPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const get = (ns: string, name: string) =>
    rawRequest<LiveConfigMap>(h.env.kube.kc, { method: 'GET', path: cmPath(ns, name) });
  const edit = (ns: string, name: string, data: Record<string, string | null>) =>
    rawRequest(h.env.kube.kc, {
      method: 'PATCH',
      path: cmPath(ns, name),
      query: { fieldManager: 'someone-else' },
      contentType: 'application/merge-patch+json',
      body: { data },
    });
  const cm = (name: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data,
  });
  const setDesired = (app: string, objects: Record<string, unknown>[], renderedAt = new Date()) =>
    h.desired.setRendered(
      { namespace: h.ns, name: app },
      {
        revisions: [REVISION],
        hash: `sha256:${app}-${renderedAt.getTime()}`,
        objects,
        warnings: [],
        renderedAt: renderedAt.toISOString(),
      },
    );
  const syncAndWait = async (app: string, syncOptions?: string[]) => {
    // Naming the rendered commit: a sync of the branch would resolve it again through a renderer.
    await h.requestSync(app, {
      sync: { prune: true, revision: REVISION, ...(syncOptions ? { syncOptions } : {}) },
    });
    return h.finished(app);
  };
  const resultNames = (app: Application) =>
    (app.status?.operationState?.syncResult?.resources ?? []).map((r) => r.name).sort();
  /** Writes the differ's part of status, as a comparison that found `synced` in sync would. */
  const compared = async (app: string, dest: string, synced: string[], outOfSync: string[]) => {
    const current = await h.app(app);
    const row = (name: string, status: 'Synced' | 'OutOfSync') => ({
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: dest,
      name,
      status,
    });
    await rawRequest(h.env.kube.kc, {
      method: 'PATCH',
      path: applicationStatusPath(h.ns, app),
      query: { fieldManager: DIFFER_FIELD_MANAGER, force: 'true' },
      contentType: APPLY_PATCH_CONTENT_TYPE,
      body: differStatusPatch(current, {
        sync: { status: 'OutOfSync', revision: REVISION },
        resources: [
          ...synced.map((n) => row(n, 'Synced')),
          ...outOfSync.map((n) => row(n, 'OutOfSync')),
        ],
        reconciledAt: new Date().toISOString(),
      }),
    });
  };
  // Managed-field times have whole seconds: a comparison trusts only writes a full second older.
  const aSecondLater = () => new Promise((r) => setTimeout(r, 1_100));

  it('ApplyOutOfSyncOnly=true applies only what the last comparison found out of sync', async () => {
    const options = ['ApplyOutOfSyncOnly=true'];
    const { dest } = await h.createApp('outofsync', [
      cm('same', { a: '1' }),
      cm('changed', { a: '1' }),
      cm('edited', { a: '1' }),
    ]);
    expect((await syncAndWait('outofsync', options)).status?.operationState?.phase).toBe(
      'Succeeded',
    );
    await aSecondLater();
    // Git changes all three; the comparison (made after the render) saw only `changed` differ.
    await setDesired('outofsync', [
      cm('same', { a: '2' }),
      cm('changed', { a: '2' }),
      cm('edited', { a: '2' }),
    ]);
    await compared('outofsync', dest, ['same', 'edited'], ['changed']);
    await aSecondLater();
    // Someone writes `edited` after that comparison: its verdict no longer holds.
    await edit(dest, 'edited', { b: 'later' });

    const app = await syncAndWait('outofsync', options);
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    expect(resultNames(app)).toEqual(['changed', 'edited']);
    expect((await get(dest, 'changed')).data).toEqual({ a: '2' });
    expect((await get(dest, 'edited')).data?.['a']).toBe('2');
    // Left alone, as the comparison said it was in sync.
    expect((await get(dest, 'same')).data).toEqual({ a: '1' });

    // Without the option every resource is in the result; what a fresh comparison found
    // in sync and nobody wrote since is recorded unchanged, without a request.
    await aSecondLater();
    await compared('outofsync', dest, ['changed', 'edited'], ['same']);
    const all = await syncAndWait('outofsync');
    expect(resultNames(all)).toEqual(['changed', 'edited', 'same']);
    const messages = Object.fromEntries(
      (all.status?.operationState?.syncResult?.resources ?? []).map((r) => [r.name, r.message]),
    );
    expect(messages).toEqual({
      changed: 'configmap/changed unchanged',
      edited: 'configmap/edited unchanged',
      same: 'configmap/same serverside-applied',
    });
    expect((await get(dest, 'same')).data).toEqual({ a: '2' });
  });

  it('RespectIgnoreDifferences=true keeps the live value of an ignored field', async () => {
    const spec = {
      ignoreDifferences: [{ group: '', kind: 'ConfigMap', jsonPointers: ['/data/replicas'] }],
    };
    const manifest = cm('tuned', { replicas: '1', image: 'v2' });
    const { dest } = await h.createApp('respect', [manifest], spec);
    await liveConfigMap(h.env.kube.kc, dest, 'tuned', undefined);
    await edit(dest, 'tuned', { replicas: '5', image: 'v1' });

    const app = await syncAndWait('respect', ['RespectIgnoreDifferences=true']);
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    expect((await get(dest, 'tuned')).data).toEqual({ replicas: '5', image: 'v2' });

    // Without the option the manifests win, ignored or not.
    const { dest: plainDest } = await h.createApp('norespect', [manifest], spec);
    await liveConfigMap(h.env.kube.kc, plainDest, 'tuned', undefined);
    await edit(plainDest, 'tuned', { replicas: '5', image: 'v1' });
    await syncAndWait('norespect');
    expect((await get(plainDest, 'tuned')).data).toEqual({ replicas: '1', image: 'v2' });
  });

  it('FailOnSharedResource=true fails the sync on a resource another app tracks', async () => {
    const { dest } = await h.createApp('sharing', [
      cm('shared', { a: '1' }),
      cm('own', { a: '1' }),
    ]);
    await liveConfigMap(h.env.kube.kc, dest, 'shared', { namespace: h.ns, name: 'other' });

    const app = await syncAndWait('sharing', ['FailOnSharedResource=true']);
    expect(app.status?.operationState?.phase).toBe('Failed');
    expect(app.status?.operationState?.message).toBe(
      `Shared resource found: ConfigMap/shared is part of applications ${h.ns}/sharing and ${h.ns}/other`,
    );
    // Nothing was written: the other app keeps its resource, the own one was not created.
    const shared = await get(dest, 'shared');
    expect(shared.metadata.annotations?.['flotilla.dev/tracking-id']).toContain('other');
    expect(shared.data).toBeUndefined();
    await expect(get(dest, 'own')).rejects.toThrow();

    // Without the option the resource is taken over, as Argo CD does.
    const taken = await syncAndWait('sharing');
    expect(taken.status?.operationState?.phase).toBe('Succeeded');
    expect(
      (await get(dest, 'shared')).metadata.annotations?.['flotilla.dev/tracking-id'],
    ).toContain('sharing');
  });

  it('ServerSideApply=false applies client-side with a three-way merge from last-applied', async () => {
    const options = ['ServerSideApply=false'];
    const { dest } = await h.createApp('csa', [cm('conf', { a: '1', b: '1' })]);
    const created = await syncAndWait('csa', options);
    expect(created.status?.operationState?.phase).toBe('Succeeded');
    expect(created.status?.operationState?.syncResult?.resources?.[0]?.message).toBe(
      'configmap/conf created',
    );
    const first = await get(dest, 'conf');
    expect(JSON.parse(first.metadata.annotations?.[LAST_APPLIED] ?? '{}')).toMatchObject({
      data: { a: '1', b: '1' },
    });
    // An update, not a server-side apply: no `Apply` entry for Flotilla's field manager.
    expect(first.metadata.managedFields?.some((m) => m.operation === 'Apply')).toBe(false);

    // Someone adds a key; Git changes `a` and drops `b`.
    await edit(dest, 'conf', { theirs: 'kept' });
    await setDesired('csa', [cm('conf', { a: '2' })]);
    const updated = await syncAndWait('csa', options);
    expect(updated.status?.operationState?.syncResult?.resources?.[0]?.message).toBe(
      'configmap/conf configured',
    );
    const after = await get(dest, 'conf');
    expect(after.data).toEqual({ a: '2', theirs: 'kept' });
    expect(JSON.parse(after.metadata.annotations?.[LAST_APPLIED] ?? '{}').data).toEqual({ a: '2' });

    // Nothing changed: nothing written.
    const again = await syncAndWait('csa', options);
    expect(again.status?.operationState?.syncResult?.resources?.[0]?.message).toBe(
      'configmap/conf unchanged',
    );
    expect((await get(dest, 'conf')).metadata.resourceVersion).toBe(after.metadata.resourceVersion);
  });
});
