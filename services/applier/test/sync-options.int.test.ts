// Sync options that change how an object is written: Replace=true, Force=true
// and Validate=false, against the real apiserver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '@flotilla/kube';
import { startApplierHarness, type ApplierHarness } from './harness.js';

interface LiveConfigMap {
  metadata: { uid: string };
  data?: Record<string, string>;
}

describe('sync options that change how objects are written', () => {
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
  const createLive = async (ns: string, body: Record<string, unknown>) => {
    await rawRequest(h.env.kube.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      query: { fieldManager: 'someone-else' },
      body: { apiVersion: 'v1', kind: 'ConfigMap', ...body },
    });
  };
  const manifest = (name: string, options: string, data: Record<string, string>, extra = {}) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, annotations: { 'argocd.argoproj.io/sync-options': options } },
    data,
    ...extra,
  });
  const resultOf = (app: Awaited<ReturnType<ApplierHarness['finished']>>, name: string) =>
    app.status?.operationState?.syncResult?.resources?.find((r) => r.name === name);

  it('Replace=true writes the object whole: fields only another manager set are gone', async () => {
    const { dest } = await h.createApp('replace', [manifest('cm', 'Replace=true', { a: '1' })]);
    await createLive(dest, { metadata: { name: 'cm' }, data: { a: '0', b: 'theirs' } });
    await h.requestSync('replace');
    const app = await h.finished('replace');
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    expect(resultOf(app, 'cm')?.message).toBe('configmap/cm replaced');
    expect((await get(dest, 'cm')).data).toEqual({ a: '1' });
  });

  it('Force=true deletes and re-creates an object whose immutable data changed', async () => {
    const { dest } = await h.createApp('force', [
      manifest('frozen', 'Force=true', { a: '2' }, { immutable: true }),
    ]);
    await createLive(dest, { metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true });
    const before = (await get(dest, 'frozen')).metadata.uid;
    await h.requestSync('force');
    const app = await h.finished('force');
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    const frozen = await get(dest, 'frozen');
    expect(frozen.data).toEqual({ a: '2' });
    expect(frozen.metadata.uid).not.toBe(before);
    expect(resultOf(app, 'frozen')?.message).toContain('forced: deleted and created again');
  });

  it('without Force an immutable change fails the dry run, and nothing is written', async () => {
    const { dest } = await h.createApp('stuck', [
      manifest('stuck', 'Validate=true', { a: '2' }, { immutable: true }),
    ]);
    await createLive(dest, { metadata: { name: 'stuck' }, data: { a: '1' }, immutable: true });
    const before = (await get(dest, 'stuck')).metadata.uid;
    await h.requestSync('stuck');
    const app = await h.finished('stuck');
    expect(app.status?.operationState?.phase).toBe('Failed');
    expect(resultOf(app, 'stuck')?.message).toMatch(/immutable/i);
    const stuck = await get(dest, 'stuck');
    expect(stuck.data).toEqual({ a: '1' });
    expect(stuck.metadata.uid).toBe(before);
  });

  it('Validate=false drops unknown fields that server-side apply refuses', async () => {
    const { dest } = await h.createApp('novalidate', [
      manifest('loose', 'Validate=false', { a: '1' }, { bogus: { x: 1 } }),
    ]);
    await h.requestSync('novalidate');
    const app = await h.finished('novalidate');
    expect(app.status?.operationState?.phase).toBe('Succeeded');
    expect(resultOf(app, 'loose')?.message).toBe('configmap/loose created');
    expect((await get(dest, 'loose')).data).toEqual({ a: '1' });

    const { dest: strictDest } = await h.createApp('validated', [
      manifest('strict', 'Validate=true', { a: '1' }, { bogus: { x: 1 } }),
    ]);
    await h.requestSync('validated');
    const refused = await h.finished('validated');
    expect(refused.status?.operationState?.phase).toBe('Failed');
    expect(refused.status?.operationState?.message).toMatch(/bogus: field not declared in schema/);
    await expect(get(strictDest, 'strict')).rejects.toThrow();
  });
});
