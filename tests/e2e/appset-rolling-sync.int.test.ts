// A RollingSync ApplicationSet with the appset role and the whole pipeline:
// the set turns automated sync off and syncs its Applications itself, the
// dev step (one at a time) before the prod step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_VERSION,
  APPLICATION_SET,
  applicationPath,
  type Application,
  type ApplicationSet,
} from '@flotilla/api';
import { appsetRole } from '@flotilla/appset-controller';
import { appSetPath } from '@flotilla/appset-controller/reconcile';
import { installCrds, rawRequest } from '@flotilla/kube';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import { createAppSet } from './support/apps.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

describe('RollingSync with the appset role, applier and differ', () => {
  let env: TestEnv;
  let ns: string;
  let roles: RunningRoles | undefined;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  const dests: Record<string, string> = {};
  const names = ['dev-a', 'dev-b', 'prod-a'];

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('rollout');
    for (const n of names) dests[n] = await env.kube.namespace(`rs-${n}`);
    repo = await env.git.repo('rollout');
    await repo.commit({
      'config/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n',
    });
    roles = await startRoles(env, ns, [...ALL_ROLES, appsetRole], {
      ...testRoleEnv(env),
      FLOTILLA_ALLOW_LOCAL_REPOS: 'true',
    });
    const set: ApplicationSet = {
      apiVersion: API_VERSION,
      kind: APPLICATION_SET.kind,
      metadata: { name: 'rollout', namespace: ns },
      spec: {
        generators: [
          {
            list: {
              elements: names.map((n) => ({ name: n, env: n.split('-')[0]!, dest: dests[n]! })),
            },
          },
        ],
        strategy: {
          type: 'RollingSync',
          rollingSync: {
            steps: [
              { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }], maxUpdate: 1 },
              { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
            ],
          },
        },
        template: {
          metadata: { name: '{{name}}', labels: { env: '{{env}}' } },
          spec: {
            project: 'default',
            source: { repoURL: repo.url, targetRevision: 'main', path: 'config' },
            destination: { server: 'https://kubernetes.default.svc', namespace: '{{dest}}' },
            syncPolicy: { automated: { prune: true } },
          },
        },
      },
    } as ApplicationSet;
    await createAppSet(env.kube.kc, set);
  });
  afterAll(async () => {
    await roles?.stop();
    await env?.[Symbol.asyncDispose]();
  });

  const app = (name: string) =>
    rawRequest<Application>(env.kube.kc, { method: 'GET', path: applicationPath(ns, name) });
  const getSet = () =>
    rawRequest<ApplicationSet>(env.kube.kc, {
      method: 'GET',
      path: appSetPath({ namespace: ns, name: 'rollout' }),
    });

  it('syncs dev before prod, one dev app at a time, and reports each step', async () => {
    // Every status the set reports on the way: no snapshot may break the order.
    const seen: Record<string, string>[] = [];
    await waitFor(
      'every app Healthy in the rollout',
      async () => {
        const s = await getSet();
        const st = Object.fromEntries(
          (s.status?.applicationStatus ?? []).map((e) => [e.application, e.status ?? '']),
        );
        seen.push(st);
        return names.every((n) => st[n] === 'Healthy');
      },
      { timeoutMs: 240_000, intervalMs: 200 },
    );
    const active = (st: Record<string, string>, n: string) =>
      st[n] === 'Pending' || st[n] === 'Progressing';
    for (const st of seen) {
      expect(active(st, 'dev-a') && active(st, 'dev-b'), JSON.stringify(st)).toBe(false);
      if (active(st, 'prod-a'))
        expect([st['dev-a'], st['dev-b']], JSON.stringify(st)).toEqual(['Healthy', 'Healthy']);
    }
    expect(seen.some((st) => active(st, 'prod-a') || active(st, 'dev-a'))).toBe(true);

    const apps = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await app(n)])));
    for (const n of names) {
      const a = apps[n] as Application;
      // Automated sync is the set's to drive: it is off on the generated apps.
      expect(a.spec.syncPolicy?.automated).toBeUndefined();
      expect(a.status?.sync?.status).toBe('Synced');
      expect(a.status?.health?.status).toBe('Healthy');
      expect(a.status?.operationState?.phase).toBe('Succeeded');
      expect(a.status?.operationState?.operation.initiatedBy?.username).toBe(
        'applicationset-controller',
      );
      expect(a.status?.operationState?.operation.sync?.prune).toBe(true);
    }
    const started = (n: string) => Date.parse(apps[n]!.status!.operationState!.startedAt);
    const finished = (n: string) => Date.parse(apps[n]!.status!.operationState!.finishedAt ?? '');
    const [first, second] = ['dev-a', 'dev-b'].sort((x, y) => started(x) - started(y));
    expect(started(second!)).toBeGreaterThanOrEqual(finished(first!));
    expect(started('prod-a')).toBeGreaterThanOrEqual(
      Math.max(finished('dev-a'), finished('dev-b')),
    );
    await waitFor(
      'the rollout complete',
      async () =>
        (await getSet()).status?.conditions?.find((c) => c.type === 'RolloutProgressing')
          ?.reason === 'ApplicationSetRolloutComplete',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const s = await getSet();
    expect(s.status?.applicationStatus?.map((e) => [e.application, e.step])).toEqual([
      ['dev-a', '1'],
      ['dev-b', '1'],
      ['prod-a', '2'],
    ]);
    expect(s.status?.conditions?.find((c) => c.type === 'RolloutProgressing')?.status).toBe(
      'False',
    );
  }, 300_000);
  it('rolls a new commit out again step by step: the apps go OutOfSync, then Waiting, then sync in order', async () => {
    const before = Object.fromEntries(
      await Promise.all(
        names.map(
          async (n) => [n, (await app(n)).status?.operationState?.startedAt ?? ''] as const,
        ),
      ),
    );
    const head = await repo.commit({
      'config/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "2"\n',
    });
    const seen: Record<string, string>[] = [];
    await waitFor(
      'every app synced to the new commit',
      async () => {
        const s = await getSet();
        seen.push(
          Object.fromEntries(
            (s.status?.applicationStatus ?? []).map((e) => [e.application, e.status ?? '']),
          ),
        );
        const apps = await Promise.all(names.map(app));
        return apps.every(
          (a) =>
            a.status?.sync?.status === 'Synced' &&
            a.status.sync.revision === head &&
            a.status.operationState?.phase === 'Succeeded' &&
            a.status.operationState.syncResult?.revision === head,
        );
      },
      { timeoutMs: 240_000, intervalMs: 200 },
    );
    const active = (st: Record<string, string>, n: string) =>
      st[n] === 'Pending' || st[n] === 'Progressing';
    for (const st of seen) {
      expect(active(st, 'dev-a') && active(st, 'dev-b'), JSON.stringify(st)).toBe(false);
      if (active(st, 'prod-a'))
        expect([st['dev-a'], st['dev-b']], JSON.stringify(st)).toEqual(['Healthy', 'Healthy']);
    }
    const apps = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await app(n)])));
    const started = (n: string) => Date.parse(apps[n]!.status!.operationState!.startedAt);
    const finished = (n: string) => Date.parse(apps[n]!.status!.operationState!.finishedAt ?? '');
    // A new sync each, by the set, in step order.
    for (const n of names) {
      expect(apps[n]!.status!.operationState!.startedAt).not.toBe(before[n]);
      expect(apps[n]!.status!.operationState!.operation.initiatedBy?.username).toBe(
        'applicationset-controller',
      );
    }
    expect(started('prod-a')).toBeGreaterThanOrEqual(
      Math.max(finished('dev-a'), finished('dev-b')),
    );
  }, 300_000);
});
