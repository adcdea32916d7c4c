// Syncing to an explicit revision and rolling back, with a real Git repo, the
// renderer rendering what the operation asks for, the applier and the hook
// runner: the app's own desired state stays what the renderer last rendered
// for the spec.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { API_VERSION, type Application, type Operation, applicationPath } from '@flotilla/api';
import { connectBus, createPublisher, provisionBus } from '@flotilla/bus';
import { Streams } from '@flotilla/contracts';
import { planRollback } from '@flotilla/gitops';
import { ApiError, installCrds, rawRequest } from '@flotilla/kube';
import { DesiredStore } from '@flotilla/render';
import {
  runOperation,
  startEnv,
  startRoles,
  streamMessages,
  waitFor,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import { hookRunnerRole } from '@flotilla/hook-runner';
import { rendererRole } from '@flotilla/renderer';
import { applierRole } from '../src/role.js';

const configMap = (name: string, version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  version: ${version}\n`;
// A PostSync hook that records the revision it ran for; kept after it ran.
const hook = (version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: post-hook\n  annotations:\n    argocd.argoproj.io/hook: PostSync\n    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\ndata:\n  version: ${version}\n`;

describe('sync to a revision, and rollback', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let nc: NatsConnection;
  let redis: Redis;
  let desired: DesiredStore;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let v1: string;
  let v2: string;
  let roles: RunningRoles | undefined;
  let renderer: RunningRoles | undefined;
  const ref = { namespace: '', name: 'rb' };

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    ref.namespace = ns;
    dest = await env.kube.namespace('dest');
    repo = await env.git.repo('apps');
    v1 = await repo.commit(
      { 'app/config.yaml': configMap('config', 'v1'), 'app/hook.yaml': hook('v1') },
      'v1',
    );
    await repo.tag('v1');
    v2 = await repo.commit(
      {
        'app/config.yaml': configMap('config', 'v2'),
        'app/extra.yaml': configMap('extra', 'v2'),
        'app/hook.yaml': hook('v2'),
      },
      'v2',
    );
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    await provisionBus(nc);
    redis = new Redis(env.redis.url);
    desired = new DesiredStore(redis);
    roles = await startRoles(env, ns, [hookRunnerRole, applierRole]);
    renderer = await startRoles(env, ns, [rendererRole]);
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name: 'rb', namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: repo.url, targetRevision: 'main', path: 'app' },
        destination: { server: 'https://kubernetes.default.svc', namespace: dest },
      },
    } as Application);
    // The app's desired state: main (v2), as the renderer stores it for the differ.
    await createPublisher(nc).command({ version: 1, kind: 'render', app: ref, reason: 'test' });
    await waitFor('desired state', async () => (await desired.get(ref))?.revisions[0] === v2, {
      timeoutMs: 60_000,
    });
  });
  afterAll(async () => {
    await renderer?.stop();
    await roles?.stop();
    await nc?.close();
    redis?.disconnect();
    await env[Symbol.asyncDispose]();
  });

  const appPath = () => applicationPath(ns, 'rb');
  const app = () => rawRequest<Application>(env.kube.kc, { method: 'GET', path: appPath() });
  const patchApp = (body: Record<string, unknown>) =>
    rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: appPath(),
      contentType: 'application/merge-patch+json',
      body,
    });
  /** Writes the operation and waits until it ended. */
  const run = (operation: Operation) => runOperation(env.kube.kc, ns, 'rb', operation);
  const live = async (name: string) => {
    try {
      const cm = await rawRequest<{ data: Record<string, string> }>(env.kube.kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${dest}/configmaps/${name}`,
      });
      return cm.data['version'];
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  };
  const hookStarts = async () =>
    (await streamMessages(nc, Streams.Events, `flotilla.events.${ns}.rb.hook.started`)).length;

  it('syncs a tag: renders it apart, records its SHA, leaves the desired state alone', async () => {
    const a = await run({ sync: { revision: 'v1', prune: true } });
    const state = a.status?.operationState;
    expect(state?.phase, state?.message).toBe('Succeeded');
    expect(state?.syncResult?.revision).toBe(v1);
    expect(state?.syncResult?.source).toMatchObject({ repoURL: repo.url, path: 'app' });
    expect(await live('config')).toBe('v1');
    expect(await live('post-hook')).toBe('v1');
    expect(await live('extra')).toBeUndefined();
    const stored = await desired.get(ref);
    expect(stored?.revisions).toEqual([v2]);
    expect(stored?.objects.map((o) => (o['metadata'] as { name: string }).name).sort()).toEqual([
      'config',
      'extra',
      'post-hook',
    ]);
    expect(a.status?.history?.map((h) => h.revision)).toEqual([v1]);
  });

  it('syncs the target (main) from the stored desired state', async () => {
    const a = await run({ sync: { prune: true } });
    expect(a.status?.operationState?.phase, a.status?.operationState?.message).toBe('Succeeded');
    expect(a.status?.operationState?.syncResult?.revision).toBe(v2);
    expect(await live('config')).toBe('v2');
    expect(await live('extra')).toBe('v2');
    expect(await live('post-hook')).toBe('v2');
    expect(a.status?.history?.map((h) => [h.id, h.revision])).toEqual([
      [0, v1],
      [1, v2],
    ]);
  });

  it("rolls back to v1's history entry: v1's objects, no hooks, recorded in history", async () => {
    const current = await app();
    const hooksBefore = await hookStarts();
    expect(hooksBefore).toBeGreaterThan(0); // the syncs before ran the hook
    const decision = planRollback(current.spec!, current.status?.history, 0, { prune: true });
    if (!decision.ok) throw new Error(decision.reason);
    const a = await run(decision.operation);
    const state = a.status?.operationState;
    expect(state?.phase, state?.message).toBe('Succeeded');
    expect(state?.syncResult?.revision).toBe(v1);
    expect(await live('config')).toBe('v1');
    expect(await live('extra')).toBeUndefined(); // pruned
    // The hook was neither run nor re-created: it still says v2.
    expect(await live('post-hook')).toBe('v2');
    expect(await hookStarts()).toBe(hooksBefore);
    expect(state?.syncResult?.resources?.some((r) => r.hookType)).toBe(false);
    // As Argo CD: a rollback is a sync, and a successful sync is history.
    expect(a.status?.history?.map((h) => [h.id, h.revision])).toEqual([
      [0, v1],
      [1, v2],
      [2, v1],
    ]);
    expect((await desired.get(ref))?.revisions).toEqual([v2]);
  });

  it('ends with the renderer message, changing nothing, when the revision does not render', async () => {
    const a = await run({ sync: { revision: 'no-such-branch', prune: true } });
    const state = a.status?.operationState;
    expect(state?.phase).toBe('Error');
    expect(state?.message).toMatch(/^could not render revision no-such-branch: .*no-such-branch/);
    expect(state?.syncResult?.resources ?? []).toEqual([]);
    expect(await live('config')).toBe('v1');
    expect(a.status?.history).toHaveLength(3);
  });

  it('waits for the render, Running, and ends as terminated when withdrawn meanwhile', async () => {
    await renderer?.stop();
    try {
      await repo.branch('next'); // at v2, but a branch: it must be rendered to be resolved
      await patchApp({ operation: { sync: { revision: 'next', prune: true } } });
      await waitFor(
        'waiting for the render',
        async () =>
          (await app()).status?.operationState?.message ===
          'waiting for the manifests of revision next',
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect((await app()).status?.operationState?.phase).toBe('Running');
      await patchApp({ operation: null });
      await waitFor(
        'terminated',
        async () => (await app()).status?.operationState?.phase === 'Failed',
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect((await app()).status?.operationState?.message).toBe('Operation terminated');
      expect(await live('config')).toBe('v1');
    } finally {
      renderer = await startRoles(env, ns, [rendererRole]);
    }
  });

  it('refuses a rollback while automated sync is on', async () => {
    await patchApp({ spec: { syncPolicy: { automated: {} } } });
    const a = await app();
    expect(planRollback(a.spec!, a.status?.history, 0)).toEqual({
      ok: false,
      reason: 'rollback cannot be initiated when auto-sync is enabled',
    });
  });
});
