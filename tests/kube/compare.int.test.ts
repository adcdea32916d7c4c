import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Application } from '@flotilla/api';
import { Redis } from 'ioredis';
import type { ResourceKey } from '@flotilla/contracts';
import {
  DryRunCache,
  desiredHash,
  trackingId,
  type AppDiff,
  type DiffObject,
} from '@flotilla/gitops';
import { AppliedMarks } from '@flotilla/render';
import { metrics } from '@flotilla/runtime';
import { ClusterCache, Discovery, applyObject, compareApp } from '@flotilla/kube';
import { startEnv, type TestEnv } from '@flotilla/testing';

describe('compareApp against the apiserver', () => {
  let env: TestEnv;
  let ns: string;
  let cache: ClusterCache;
  const ref = { namespace: 'flotilla', name: 'shop' };
  let app: Application;

  const configMap = (name: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data,
  });
  const secret = (value: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db' },
    type: 'Opaque',
    stringData: { password: value },
  });
  /** Creates `obj` in the destination, tracked by the app, as a sync would. */
  const applyTracked = async (obj: Record<string, any>) => {
    const live = structuredClone(obj);
    const key = { group: '', kind: live.kind, namespace: ns, name: live.metadata.name };
    live.metadata.namespace = ns;
    live.metadata.annotations = { 'flotilla.dev/tracking-id': trackingId(ref, key) };
    await applyObject(env.kube.kc, new Discovery(env.kube.kc), live as never, {
      fieldManager: 'flotilla',
    });
  };
  const find = (diff: AppDiff, kind: string, name: string) => {
    const r = diff.resources.find((x) => x.key.kind === kind && x.key.name === name);
    if (!r) throw new Error(`no ${kind}/${name} in ${JSON.stringify(diff.resources)}`);
    return r;
  };

  let desired: DiffObject[];
  beforeAll(async () => {
    env = await startEnv({ kube: true, redis: true });
    ns = await env.kube.namespace();
    app = {
      apiVersion: 'flotilla.dev/v1alpha1',
      kind: 'Application',
      metadata: { namespace: ref.namespace, name: ref.name },
      spec: { destination: { namespace: ns } },
    } as unknown as Application;
    await applyTracked(configMap('same', { color: 'blue' }));
    await applyTracked(configMap('drifted', { color: 'blue' }));
    await applyTracked(configMap('leftover', { color: 'blue' }));
    await applyTracked(secret('old-password-1'));
    desired = [
      configMap('absent', { color: 'blue' }),
      configMap('same', { color: 'blue' }),
      configMap('drifted', { color: 'green' }),
      secret('new-password-2'),
    ];
    cache = new ClusterCache(env.kube.kc);
  });
  afterAll(async () => {
    cache?.stop();
    await env[Symbol.asyncDispose]();
  });

  it('finds the missing, in-sync, drifted and extraneous objects, masking Secrets', async () => {
    const diff = await compareApp({ kc: env.kube.kc, cache, app, ref, desired });
    expect(diff.summary.status).toBe('OutOfSync');
    expect(find(diff, 'ConfigMap', 'absent').status).toBe('Missing');
    expect(find(diff, 'ConfigMap', 'same')).toMatchObject({ status: 'Synced', diff: '' });
    const drifted = find(diff, 'ConfigMap', 'drifted');
    expect(drifted.status).toBe('OutOfSync');
    expect(drifted.diff).toContain('-  color: blue');
    expect(drifted.diff).toContain('+  color: green');
    expect(find(diff, 'ConfigMap', 'leftover')).toMatchObject({
      status: 'Extraneous',
      requiresPruning: true,
    });
    const db = find(diff, 'Secret', 'db');
    expect(db.status).toBe('OutOfSync');
    expect(db.diff).not.toBe('');
    for (const plain of ['old-password-1', 'new-password-2'])
      for (const shown of [plain, Buffer.from(plain).toString('base64')])
        expect(JSON.stringify(diff)).not.toContain(shown);
  });

  it('reuses dry runs kept across comparisons, with the same outcome', async () => {
    const dryRuns = new DryRunCache();
    const first = await compareApp({ kc: env.kube.kc, cache, app, ref, desired, dryRuns });
    expect(dryRuns.size).toBeGreaterThan(0);
    const kept = dryRuns.size;
    const second = await compareApp({ kc: env.kube.kc, cache, app, ref, desired, dryRuns });
    expect(dryRuns.size).toBe(kept);
    expect(second).toEqual(first);
  });

  it("makes no dry run of an object the applier's marks say an apply just left", async () => {
    const redis = new Redis(env.redis.url);
    try {
      const marks = new AppliedMarks(redis);
      const server = env.kube.kc.getCurrentCluster()?.server ?? '';
      // The applier's mark for `same`: the hash of the manifest applied, the version it left.
      const seen: string[] = [];
      const appliedAs = async (key: ResourceKey, d: DiffObject, live: DiffObject) => {
        seen.push(key.name);
        const rv = String((live['metadata'] as { resourceVersion?: string }).resourceVersion);
        if (key.name === 'same') await marks.mark(server, key, desiredHash(d), rv);
        return marks.applied(server, key, desiredHash(d), rv);
      };
      const dryRuns = async () =>
        (await metrics.kubeRequests.get()).values.find(
          (v) => v.labels['method'] === 'PATCH' && v.labels['resource'] === 'configmaps',
        )?.value ?? 0;
      const before = await dryRuns();
      const diff = await compareApp({ kc: env.kube.kc, cache, app, ref, desired, appliedAs });
      // `drifted` was dry-run; `same` was not, and is still Synced.
      expect((await dryRuns()) - before).toBe(1);
      expect(seen).toEqual(expect.arrayContaining(['same', 'drifted']));
      expect(find(diff, 'ConfigMap', 'same')).toMatchObject({ status: 'Synced', diff: '' });
      expect(find(diff, 'ConfigMap', 'drifted').status).toBe('OutOfSync');
      // Another hash or another version is no mark.
      const key = { group: '', kind: 'ConfigMap', namespace: ns, name: 'same' };
      await marks.mark(server, key, 'h1', '10');
      expect(await marks.applied(server, key, 'h1', '10')).toBe(true);
      expect(await marks.applied(server, key, 'h2', '10')).toBe(false);
      expect(await marks.applied(server, key, 'h1', '11')).toBe(false);
      expect(await marks.applied('https://elsewhere', key, 'h1', '10')).toBe(false);
    } finally {
      redis.disconnect();
    }
  });

  it('shares a dry run that predicted live unchanged, so another replica makes none', async () => {
    const redis = new Redis(env.redis.url);
    try {
      // A prefix of its own: the marks of the case above must not count here.
      const marks = new AppliedMarks(redis, `test-unchanged-${Date.now()}:`);
      const server = env.kube.kc.getCurrentCluster()?.server ?? '';
      const versionOf = (live: DiffObject) =>
        String((live['metadata'] as { resourceVersion?: string }).resourceVersion);
      const told: string[] = [];
      // Each comparison stands for a differ replica: its own dry-run cache, the shared marks.
      const replica = () =>
        compareApp({
          kc: env.kube.kc,
          cache,
          app,
          ref,
          desired,
          dryRuns: new DryRunCache(),
          appliedAs: (key, d, live) => marks.applied(server, key, desiredHash(d), versionOf(live)),
          predictedUnchanged: async (key, d, live) => {
            told.push(`${key.kind}/${key.name}`);
            await marks.mark(server, key, desiredHash(d), versionOf(live));
          },
        });
      const dryRuns = async () =>
        (await metrics.kubeRequests.get()).values
          .filter((v) => v.labels['method'] === 'PATCH')
          .reduce((n, v) => n + v.value, 0);
      const before = await dryRuns();
      const first = await replica();
      const byFirst = (await dryRuns()) - before;
      // Only `same` is predicted unchanged: the drifted ConfigMap and the Secret differ.
      expect(told).toEqual(['ConfigMap/same']);
      const second = await replica();
      expect((await dryRuns()) - before - byFirst).toBe(byFirst - 1);
      expect(told).toEqual(['ConfigMap/same']);
      expect(second).toEqual(first);
      expect(find(second, 'ConfigMap', 'same')).toMatchObject({ status: 'Synced', diff: '' });
    } finally {
      redis.disconnect();
    }
  });

  it('tells of a dry run that predicted a change, so the applier need not repeat it', async () => {
    const redis = new Redis(env.redis.url);
    try {
      const marks = new AppliedMarks(redis, `test-passed-${Date.now()}:`);
      const server = env.kube.kc.getCurrentCluster()?.server ?? '';
      const versionOf = (live: DiffObject) =>
        String((live['metadata'] as { resourceVersion?: string }).resourceVersion);
      const told: { key: ResourceKey; hash: string; version: string }[] = [];
      const diff = await compareApp({
        kc: env.kube.kc,
        cache,
        app,
        ref,
        desired,
        predictedUnchanged: async () => undefined,
        dryRunPassed: async (key, d, live) => {
          told.push({ key, hash: desiredHash(d), version: versionOf(live) });
          await marks.dryRunPassed(server, key, desiredHash(d), versionOf(live));
        },
      });
      // The objects predicted to change; not `same` (unchanged), not `absent` (no dry run).
      expect(told.map((t) => `${t.key.kind}/${t.key.name}`).sort()).toEqual([
        'ConfigMap/drifted',
        'Secret/db',
      ]);
      expect(find(diff, 'ConfigMap', 'drifted').status).toBe('OutOfSync');
      const drifted = told.find((t) => t.key.name === 'drifted')!;
      const mark = {
        key: drifted.key,
        desiredHash: drifted.hash,
        resourceVersion: drifted.version,
      };
      expect(
        await marks.dryRunsPassed(server, [
          mark,
          { ...mark, desiredHash: 'another manifest' },
          { ...mark, resourceVersion: `${drifted.version}0` },
        ]),
      ).toEqual([true, false, false]);
      expect(await marks.dryRunsPassed('https://elsewhere', [mark])).toEqual([false]);
      // A dry-run mark is not the applier's mark: the object is not taken as applied.
      expect(await marks.applied(server, drifted.key, drifted.hash, drifted.version)).toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});
