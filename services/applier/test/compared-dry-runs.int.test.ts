// The applier's dry run before a sync of many objects is the request the
// differ's comparison made just before: when the comparison marked it passed
// (the same manifest against the same live version), it is not made again;
// any other mark leaves the applier's own dry run, which still refuses.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desiredHash, prepareDesired, type DiffObject } from '@flotilla/gitops';
import { IN_CLUSTER_SERVER, rawRequest } from '@flotilla/kube';
import { AppliedMarks } from '@flotilla/render';
import type { Application } from '@flotilla/api';
import { startApplierHarness, type ApplierHarness } from './harness.js';

interface LiveConfigMap {
  metadata: { uid: string; resourceVersion: string };
  data?: Record<string, string>;
}

describe("dry runs the differ's comparison made", () => {
  let h: ApplierHarness;
  let redis: Redis;
  let marks: AppliedMarks;
  beforeAll(async () => {
    h = await startApplierHarness();
    redis = new Redis(h.env.redis.url);
    marks = new AppliedMarks(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
  });

  const cmPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const get = (ns: string, name: string) =>
    rawRequest<LiveConfigMap>(h.env.kube.kc, { method: 'GET', path: cmPath(ns, name) });
  /** A live object as an earlier sync of `app` left it: tracked by the app. */
  const createLive = async (
    app: string,
    ns: string,
    name: string,
    data: Record<string, string>,
    extra = {},
  ) =>
    rawRequest<LiveConfigMap>(h.env.kube.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: prepared(app, ns, manifest(ns, name, data, extra)),
    });
  /** A manifest as the renderer stores it: namespace filled in. */
  const manifest = (ns: string, name: string, data: Record<string, string>, extra = {}) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns },
    data,
    ...extra,
  });
  const key = (ns: string, name: string) => ({ group: '', kind: 'ConfigMap', namespace: ns, name });
  /** A manifest of app `app` as the differ dry-runs it and the applier applies it. */
  const prepared = (app: string, ns: string, obj: Record<string, unknown>) => {
    const p = prepareDesired(obj as DiffObject, {
      app: { namespace: h.ns, name: app },
      destinationNamespace: ns,
      isNamespaced: () => true,
    });
    if (!p.ok) throw new Error(p.message);
    return p.object;
  };
  const hashOf = (app: string, ns: string, obj: Record<string, unknown>) =>
    desiredHash(prepared(app, ns, obj));
  /**
   * App `app` of two objects: `frozen`, an immutable ConfigMap whose data the manifest
   * changes (the apiserver refuses it), and `other`. The comparison's dry runs are marked
   * passed against the live `other` and against `frozen` at `frozenVersion(live)`.
   */
  const syncWithMarks = async (app: string, frozenVersion: (live: string) => string) => {
    const dest = await h.env.kube.namespace('dest');
    const frozen = manifest(dest, 'frozen', { a: '2' }, { immutable: true });
    const other = manifest(dest, 'other', { b: '2' });
    await h.createApp(app, [frozen, other], {}, { dest });
    const liveFrozen = await createLive(app, dest, 'frozen', { a: '1' }, { immutable: true });
    const liveOther = await createLive(app, dest, 'other', { b: '1' });
    await marks.dryRunPassed(
      IN_CLUSTER_SERVER,
      key(dest, 'frozen'),
      hashOf(app, dest, frozen),
      frozenVersion(liveFrozen.metadata.resourceVersion),
    );
    await marks.dryRunPassed(
      IN_CLUSTER_SERVER,
      key(dest, 'other'),
      hashOf(app, dest, other),
      liveOther.metadata.resourceVersion,
    );
    await h.requestSync(app);
    return { dest, app: await h.finished(app) };
  };
  const resultOf = (app: Application, name: string) =>
    app.status?.operationState?.syncResult?.resources?.find((r) => r.name === name);

  it('makes no dry run of its own of an object the comparison dry-ran against the live version', async () => {
    // A mark says the dry run passed where the apiserver would refuse it: a comparison can
    // never make that mark, but it shows the applier's check was not made. The refusal
    // comes from the apply itself.
    const { app } = await syncWithMarks('trusted', (live) => live);
    expect(app.status?.operationState?.phase).toBe('Failed');
    expect(app.status?.operationState?.message).not.toMatch(/dry run/);
    expect(resultOf(app, 'frozen')?.message).toMatch(/immutable/i);
  });

  it("a mark for another version is no check: the applier's own dry run still refuses", async () => {
    // The comparison dry-ran `frozen` at an older version; it has changed since.
    const { dest, app } = await syncWithMarks('stale-mark', (live) => String(Number(live) - 1));
    expect(app.status?.operationState?.phase).toBe('Failed');
    expect(app.status?.operationState?.message).toMatch(/dry run.*immutable/i);
    // Nothing was written: not the refused object, nor the one whose mark held.
    expect((await get(dest, 'frozen')).data).toEqual({ a: '1' });
    expect((await get(dest, 'other')).data).toEqual({ b: '1' });
  });
});
