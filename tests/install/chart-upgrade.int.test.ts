// `helm upgrade` of the chart while a sync runs. The chart is installed into the control
// plane (KWOK runs its pods as fakes; the real kube-controller-manager rolls them) and the
// roles run from the checkout with the tokens of the chart's ServiceAccounts. An operation
// waits on a PreSync hook under the first applier; the upgrade rolls the applier Deployment
// one ready new pod before each old one goes (maxSurge 1, maxUnavailable 0); a second
// applier stands for the new pod, and the old one then gets the kubelet's SIGTERM. It
// releases the app's lease on its way out (the lease TTL is a minute, so no expiry can
// stand in for that), the second applier takes the same operation over, and it ends once:
// one start, one hook, one success.
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { NatsConnection } from '@nats-io/transport-node';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, APPLICATION, applicationPath, type Application } from '@flotilla/api';
import { connectBus } from '@flotilla/bus';
import { appKey } from '@flotilla/contracts';
import { installCrds, rawRequest, watchRequest } from '@flotilla/kube';
import { run, userCacheDir } from '@flotilla/runtime';
import {
  serviceEnv,
  startEnv,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestEnv,
} from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';
import { describeStatus, IN_CLUSTER, readApp } from '../e2e/support/apps.js';
import { readEvents } from '../e2e/support/events.js';
import { testRoleEnv } from '../e2e/support/roles.js';
import { roleKubeconfigs } from './support/tokens.js';

const root = resolve(import.meta.dirname, '..', '..');
const chart = join(root, 'deploy', 'helm', 'flotilla');
const ROLES = ['hook-runner', 'applier', 'differ', 'renderer', 'git-poller'] as const;
const APP = 'upgraded';
/** How long any one wait may take before the test gives up (a limit, not an expectation). */
const LIMIT = { timeoutMs: 120_000, intervalMs: 250 };

interface ReplicaSet {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { replicas?: number; template: { metadata?: { annotations?: Record<string, string> } } };
}
interface Deployment {
  metadata: { generation?: number };
  spec: {
    replicas: number;
    strategy: unknown;
    template: {
      spec: {
        terminationGracePeriodSeconds: number;
        containers: { env: { name: string; value?: string }[]; readinessProbe: unknown }[];
      };
    };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

/** A Deployment whose pods all run its current template and are available. */
const rolledOut = (d: Deployment) =>
  d.status?.observedGeneration === d.metadata.generation &&
  d.status?.updatedReplicas === d.spec.replicas &&
  d.status?.replicas === d.spec.replicas &&
  d.status?.availableReplicas === d.spec.replicas;

/** The app's manifests: a PreSync hook Job that runs until the test ends its pod, and a ConfigMap. */
const manifests = () =>
  [
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } },
      spec: {
        backoffLimit: 0,
        template: {
          // KWOK would end it after an hour; the test ends it as its container would.
          metadata: { annotations: { 'flotilla.dev/test-duration': '1h' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'alpine' }] },
        },
      },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-hook' }, data: { a: '1' } },
  ]
    .map((d) => stringify(d))
    .join('---\n');

describe('helm upgrade while an operation waits on a hook', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let release: string;
  let helm: string;
  let redis: Redis;
  let subscriber: Redis;
  let nc: NatsConnection;
  const kubeconfigs = new Map<string, string>();
  const procs: ServiceProcess[] = [];

  const helmRun = (...args: string[]) =>
    run(helm, [...args, '--kubeconfig', env.kube.kubeconfigPath, '--namespace', ns]);
  const get = async <T>(path: string) =>
    (await rawRequest(env.kube.kc, { method: 'GET', path })) as T;
  const deploymentPath = () =>
    `/apis/apps/v1/namespaces/${ns}/deployments/${release}-flotilla-applier`;
  const applierReplicaSets = async () =>
    (
      await get<{ items: ReplicaSet[] }>(
        `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=${encodeURIComponent(
          `app.kubernetes.io/instance=${release},app.kubernetes.io/component=applier`,
        )}`,
      )
    ).items;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    const tools = { cacheDir: userCacheDir(process.env), path: process.env['PATH'] };
    helm = await resolveTool('helm', tools);
    const kubectl = await resolveTool('kubectl', tools);
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('flotilla-upgrade');
    dest = await env.kube.namespace('upgraded');
    release = `r${ns.slice(-8)}`;
    await helmRun('install', release, chart, '--set', 'nats.storage.size=');
    const byRole = await roleKubeconfigs({
      kubectl,
      adminKubeconfig: env.kube.kubeconfigPath,
      admin: env.kube.kc,
      namespace: ns,
      release,
      roles: ROLES,
      dir: env.tmpDir,
    });
    for (const [role, path] of byRole) kubeconfigs.set(role, path);
    redis = new Redis(env.redis.url);
    subscriber = new Redis(env.redis.url);
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
  });

  afterAll(async () => {
    for (const p of procs.reverse()) await p.kill('SIGTERM').catch(() => undefined);
    await nc?.close();
    subscriber?.disconnect();
    redis?.disconnect();
    if (env && release) await helmRun('uninstall', release, '--wait').catch(() => undefined);
    await env?.[Symbol.asyncDispose]();
  });

  it('rolls the applier a new ready pod at a time, and the operation is handed over, not redone', async () => {
    // The chart's applier: the strategy, the grace period and the process's own stop
    // deadline inside it, which the processes below are given as the pod would be.
    const deployment = await get<Deployment>(deploymentPath());
    const pod = deployment.spec.template.spec;
    const chartEnv = Object.fromEntries(pod.containers[0]!.env.map((e) => [e.name, e.value]));
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    expect(pod.containers[0]!.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' } });
    expect(Number(chartEnv['FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS'])).toBeLessThan(
      pod.terminationGracePeriodSeconds,
    );
    const roleEnv = (role: string, extra: Record<string, string> = {}) =>
      serviceEnv(env, ns, {
        ...testRoleEnv(env),
        KUBECONFIG: kubeconfigs.get(role)!,
        FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS: chartEnv['FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS']!,
        ...extra,
      });
    // A lease lapses after a minute: only a release hands it over sooner.
    const applierEnv = roleEnv('applier', {
      FLOTILLA_SYNC_LEASE_SECONDS: '60',
      FLOTILLA_SYNC_LEASE_BUSY_MS: '1000',
    });
    await waitFor(
      'the applier Deployment rolled out',
      async () => rolledOut(await get<Deployment>(deploymentPath())),
      LIMIT,
    );
    const [before] = await applierReplicaSets();
    expect(before).toBeDefined();

    for (const role of ['hook-runner', 'differ', 'renderer', 'git-poller'] as const) {
      procs.push(await startServiceProcess(role, roleEnv(role)));
    }
    // The old pod's applier: the only one while the operation starts, so it holds the lease.
    const old = await startServiceProcess('applier', applierEnv);
    procs.push(old);

    const repo = await env.git.repo('upgraded');
    const head = await repo.commit({ 'app/manifests.yaml': manifests() }, 'app');
    await env.kube.objects.create({
      apiVersion: API_VERSION,
      kind: APPLICATION.kind,
      metadata: { name: APP, namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: repo.url, targetRevision: 'main', path: 'app' },
        destination: { server: IN_CLUSTER, namespace: dest },
      },
    } as Application);
    let app: Application | undefined;
    const status = () => `last status ${describeStatus(app)}`;
    await waitFor(
      'the app compared at the commit',
      async () => {
        app = await readApp(env.kube.kc, ns, APP);
        return app?.status?.sync?.status === 'OutOfSync' && app.status.sync.revision === head;
      },
      LIMIT,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; ${status()}`);
    });

    const lease = `flotilla:lease:sync:${appKey({ namespace: ns, name: APP })}`;
    const releases: string[] = [];
    subscriber.on('message', (channel: string) => releases.push(channel));
    await subscriber.subscribe(`${lease}:released`);
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: applicationPath(ns, APP),
      contentType: 'application/merge-patch+json',
      body: { operation: { sync: { revision: head } } },
    });
    const hookJob = () =>
      get<{ metadata: { uid: string } }>(`/apis/batch/v1/namespaces/${dest}/jobs/migrate`).then(
        (j) => j.metadata.uid,
        () => undefined,
      );
    await waitFor(
      'the operation waiting on its hook',
      async () => {
        app = await readApp(env.kube.kc, ns, APP);
        return (
          (await hookJob()) !== undefined &&
          app?.status?.operationState?.message ===
            'PreSync wave 0: waiting for completion of hook batch/Job/migrate'
        );
      },
      LIMIT,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; ${status()}`);
    });
    const hookUid = await hookJob();
    const held = await redis.get(lease);
    expect(held).not.toBeNull();
    const tokenBefore = Number(await redis.get(`${lease}:token`));

    // The upgrade, watched: every scale of an applier ReplicaSet as the controller wrote it.
    const scales: { old: number; new: number }[] = [];
    const replicas = new Map<string, number>();
    const watching = await watchRequest(
      env.kube.kc,
      `/apis/apps/v1/namespaces/${ns}/replicasets`,
      {
        labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=applier`,
      },
      (_type, object) => {
        const rs = object as unknown as ReplicaSet;
        replicas.set(rs.metadata.name, rs.spec.replicas ?? 0);
        let added = 0;
        for (const [name, n] of replicas) if (name !== before!.metadata.name) added += n;
        const now = { old: replicas.get(before!.metadata.name) ?? 0, new: added };
        const last = scales.at(-1);
        if (!last || last.old !== now.old || last.new !== now.new) scales.push(now);
      },
      () => undefined,
    );
    try {
      await helmRun(
        'upgrade',
        release,
        chart,
        '--reuse-values',
        '--set-string',
        'podAnnotations.rollout=2',
      );
      await waitFor(
        'the upgraded applier Deployment rolled out',
        async () => {
          const d = await get<Deployment>(deploymentPath());
          return d.metadata.generation! > deployment.metadata.generation! && rolledOut(d);
        },
        LIMIT,
      );
      await waitFor(
        'the watch to see the old ReplicaSet emptied',
        () => scales.some((s) => s.old === 0),
        LIMIT,
      );
    } finally {
      watching.abort();
    }
    // Up one new pod, down one old once it is ready, and again: never fewer than two
    // ready appliers, never more than three pods.
    expect(scales).toEqual([
      { old: 2, new: 0 },
      { old: 2, new: 1 },
      { old: 1, new: 1 },
      { old: 1, new: 2 },
      { old: 0, new: 2 },
    ]);
    const after = (await applierReplicaSets()).filter(
      (rs) => rs.metadata.name !== before!.metadata.name,
    );
    expect(after.map((rs) => rs.spec.template.metadata?.annotations?.['rollout'])).toEqual(['2']);

    // The new pod's applier is ready before the old one is told to stop.
    procs.push(await startServiceProcess('applier', applierEnv));
    // Still the old applier's: the upgrade did not touch the operation.
    expect(await redis.get(lease)).toBe(held);
    expect((await readApp(env.kube.kc, ns, APP))?.status?.operationState?.phase).toBe('Running');

    // What the kubelet does to the old pod.
    expect(await old.kill('SIGTERM')).toBe(0);
    // Released on the way out, not left to lapse: the key no longer names the old holder
    // the moment its process has gone, and the release was announced.
    expect(await redis.get(lease)).not.toBe(held);
    await waitFor('the release message', () => releases.length > 0, LIMIT);
    expect(releases).toEqual([`${lease}:released`]);
    // The new applier holds it next (a higher fencing token) for the same operation.
    await waitFor(
      'the new applier holding the lease',
      async () => {
        const now = await redis.get(lease);
        return now !== null && now !== held;
      },
      LIMIT,
    );
    expect(Number(await redis.get(`${lease}:token`))).toBeGreaterThan(tokenBefore);
    app = await readApp(env.kube.kc, ns, APP);
    expect(app?.status?.operationState?.phase).toBe('Running');

    // The hook's container exits 0, as the kubelet would report it.
    const pods = await env.kube.core.listNamespacedPod({
      namespace: dest,
      labelSelector: 'batch.kubernetes.io/job-name=migrate',
    });
    expect(pods.items).toHaveLength(1);
    const hookPod = pods.items[0]!;
    const now = new Date().toISOString();
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${dest}/pods/${hookPod.metadata!.name}/status`,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          phase: 'Succeeded',
          conditions: [
            { type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: now },
            {
              type: 'ContainersReady',
              status: 'False',
              reason: 'PodCompleted',
              lastTransitionTime: now,
            },
          ],
          containerStatuses: [
            {
              name: 'c',
              image: 'alpine',
              imageID: '',
              ready: false,
              restartCount: 0,
              started: false,
              state: {
                terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now },
              },
            },
          ],
        },
      },
    });

    await waitFor(
      'the operation to end',
      async () => {
        app = await readApp(env.kube.kc, ns, APP);
        const phase = app?.status?.operationState?.phase;
        return app?.operation === undefined && phase !== undefined && phase !== 'Running';
      },
      LIMIT,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; ${status()}`);
    });
    const state = app?.status?.operationState;
    expect(state?.phase, status()).toBe('Succeeded');
    expect(state?.syncResult?.resources?.find((r) => r.name === 'migrate')?.hookPhase).toBe(
      'Succeeded',
    );
    await env.kube.objects.read({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'after-hook', namespace: dest },
    });
    // The hook ran once: the Job the old applier had created, adopted, with its one pod.
    expect(await hookJob()).toBe(hookUid);
    const hookPods = await env.kube.core.listNamespacedPod({
      namespace: dest,
      labelSelector: 'batch.kubernetes.io/job-name=migrate',
    });
    expect(hookPods.items.map((p) => p.metadata?.uid)).toEqual([hookPod.metadata!.uid]);
    // One operation: started once, its hook started once, ended once, never failed.
    const events = await readEvents(nc, `flotilla.events.${ns}.${APP}.>`);
    const named = (kind: string) => events.filter((e) => e.subject.endsWith(`.${kind}`));
    expect(named('operation.started')).toHaveLength(1);
    expect(named('hook.started')).toHaveLength(1);
    expect(named('operation.succeeded')).toHaveLength(1);
    expect(named('operation.failed')).toHaveLength(0);
    expect(named('operation.succeeded')[0]!.event['data']?.['operationId']).toBe(
      named('operation.started')[0]!.event['data']?.['operationId'],
    );
  }, 420_000);
});
