import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Application } from '@flotilla/api';
import { connectBus } from '@flotilla/bus';
import { installCrds, rawRequest } from '@flotilla/kube';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';
import {
  autoSyncedApp,
  describeStatus,
  waitGone,
  isSyncedHealthy,
  listApps,
} from './support/apps.js';
import { eventApp, operationOverlaps, readEvents, type StoredEvent } from './support/events.js';
import { startRoleProcess, type RoleProcess } from './support/processes.js';
import { syncLeaseHolders } from './support/leases.js';
import { testRoleEnv } from './support/roles.js';

// 50 apps of the full shape by default; FLOTILLA_SCALING_APPS=500 runs 500, one in ten
// of the full shape and the rest light (docs/development.md says what that run finds).
const APPS = Number(process.env['FLOTILLA_SCALING_APPS'] ?? 50);
/** Every HOOKED-th app has the full shape (a Deployment and a PostSync Job); the rest are light. */
const HOOKED = APPS > 50 ? 10 : 1;
const REPOS = 2;
const DESTINATIONS = 5;
const operationId = (e: StoredEvent) => String(e.event['data']?.['operationId']);
const name = (i: number) => `app-${String(i).padStart(3, '0')}`;
const hooked = (i: number) => i % HOOKED === 0;

/**
 * A light app: a ConfigMap, and a second one a wave later, so every
 * operation has two steps.
 */
function lightManifests(app: string): string {
  const docs = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${app}-config` }, data: { app } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${app}-later`, annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      data: { app },
    },
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}

/**
 * One small app of the full shape: a ConfigMap, a Deployment one wave later
 * (so the applier waits for health between steps), and a PostSync Job whose
 * pod runs two seconds (so the operation is still running for a while and the
 * hook-runner has work).
 */
function manifests(app: string): string {
  const docs = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${app}-config` },
      data: { app },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app, annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app } },
        template: {
          metadata: { labels: { app } },
          spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] },
        },
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: `${app}-smoke`,
        annotations: {
          'argocd.argoproj.io/hook': 'PostSync',
          'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
        },
      },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { annotations: { 'flotilla.dev/test-duration': '2s' } },
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'smoke', image: 'alpine:3.20', command: ['true'] }],
          },
        },
      },
    },
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}

describe(`${APPS} apps through two differ and two applier processes, one of each killed mid-run`, () => {
  let env: TestEnv;
  let ns: string;
  let nc: NatsConnection;
  const dests: string[] = [];
  const heads = new Map<string, string>(); // app -> commit it must end Synced at
  const procs: RoleProcess[] = [];
  const started = new Set<string>(); // apps whose operation started
  const open = new Set<string>(); // operations started and not ended

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('scale');
    for (let d = 0; d < DESTINATIONS; d++) dests.push(await env.kube.namespace('fleet'));
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    // The operation events as they are published, from before the first app (a core
    // subscription: reading the stream again at every look took seconds once a few
    // thousand events were stored).
    nc.subscribe(`flotilla.events.${ns}.*.operation.*`, {
      callback: (_err, m) => {
        const e = { subject: m.subject, seq: 0, event: m.json<StoredEvent['event']>() };
        if (m.subject.endsWith('.started')) {
          started.add(eventApp(e));
          open.add(operationId(e));
        } else if (/\.(succeeded|failed)$/.test(m.subject)) open.delete(operationId(e));
      },
    });
    const roleEnv = {
      ...testRoleEnv(env),
      FLOTILLA_NATS_URL: env.nats.url,
      FLOTILLA_REDIS_URL: env.redis.url,
      KUBECONFIG: env.kube.kubeconfigPath,
      FLOTILLA_NAMESPACE: ns,
      FLOTILLA_LOG_LEVEL: 'warn',
      // A dead applier's lease goes quickly; a busy one is retried soon.
      FLOTILLA_SYNC_LEASE_SECONDS: '4',
      FLOTILLA_SYNC_LEASE_BUSY_MS: '500',
      // Work held by a killed process comes back after 8 s, not the default 30 s.
      FLOTILLA_WORK_ACK_WAIT_SECONDS: '8',
    };
    for (let r = 0; r < REPOS; r++) {
      const repo = await env.git.repo(`fleet-${r}`);
      const files: Record<string, string> = {};
      const mine = [...Array(APPS).keys()].filter((i) => i % REPOS === r).map(name);
      for (const app of mine) {
        files[`${app}/manifests.yaml`] = hooked(Number(app.slice(4)))
          ? manifests(app)
          : lightManifests(app);
      }
      const head = await repo.commit(files, `${mine.length} apps`);
      for (const app of mine) heads.set(app, head);
      for (const app of mine) {
        const i = Number(app.slice(4));
        await env.kube.objects.create(
          autoSyncedApp({
            namespace: ns,
            name: app,
            repoURL: repo.url,
            path: app,
            destination: dests[i % DESTINATIONS]!,
          }),
        );
      }
    }
    // The roles start once every app exists: all of them arrive at once, so operations
    // are under way when the test looks (started with the roles running, the creates
    // took longer than the syncs, and 500 apps were all synced before the first look).
    procs.push(
      ...(await Promise.all([
        startRoleProcess('differ-1', ['differ'], roleEnv),
        startRoleProcess('differ-2', ['differ'], roleEnv),
        startRoleProcess('applier-1', ['applier'], roleEnv),
        startRoleProcess('applier-2', ['applier'], roleEnv),
        startRoleProcess('renderer-1', ['renderer'], roleEnv),
        startRoleProcess('renderer-2', ['renderer'], roleEnv),
        startRoleProcess('edge', ['git-poller', 'hook-runner'], roleEnv),
      ])),
    );
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await nc?.close();
    await env?.[Symbol.asyncDispose]();
  });

  const operations = () => readEvents(nc, `flotilla.events.${ns}.*.operation.*`);
  const logs = () =>
    procs.map((p) => `--- ${p.label}\n${p.output.slice(-20).join('\n')}`).join('\n');

  it('every app ends Synced and Healthy, operations never overlap, and losing a differ, an applier and a renderer changes nothing', async () => {
    // Kill once operations are under way: enough started, some still running, and both
    // appliers holding sync leases, so the one killed is in the middle of an operation.
    let openAtKill = 0; // operations started and not yet ended
    let holders = 0; // appliers holding sync leases at the last look
    await waitFor(
      'operations under way on both appliers',
      async () => {
        openAtKill = open.size;
        if (started.size < 8 || openAtKill === 0) return false;
        holders = (await syncLeaseHolders(env.redis.url)).size;
        return holders >= 2;
      },
      { timeoutMs: 180_000, intervalMs: 100 },
    ).catch((err: Error) => {
      const where = `${started.size} apps started, ${open.size} operations open, ${holders} lease holders at the last look`;
      throw new Error(`${err.message}: ${where}\n${logs()}`);
    });
    const victims = procs.filter((p) => ['differ-1', 'applier-1', 'renderer-1'].includes(p.label));
    await Promise.all(victims.map((p) => p.kill('SIGKILL')));
    expect(await Promise.all(victims.map((p) => p.exited))).toEqual([
      'SIGKILL',
      'SIGKILL',
      'SIGKILL',
    ]);

    let apps: Application[] = [];
    await waitFor(
      `all ${APPS} apps Synced and Healthy`,
      async () => {
        apps = await listApps(env.kube.kc, ns);
        return (
          apps.length === APPS &&
          apps.every((a) => isSyncedHealthy(a, heads.get(a.metadata!.name!)))
        );
      },
      { timeoutMs: 600_000, intervalMs: 1000 },
    ).catch((err: Error) => {
      const behind = apps
        .filter((a) => !isSyncedHealthy(a, heads.get(a.metadata!.name!)))
        .map((a) => `${a.metadata!.name}: ${describeStatus(a)}`);
      throw new Error(`${err.message}\n${behind.join('\n')}\n${logs()}`);
    });
    // The survivors are still up.
    for (const p of procs.filter((p) => !victims.includes(p))) {
      const res = await fetch(`http://127.0.0.1:${p.opsPort}/readyz`);
      expect(res.status, p.label).toBe(200);
    }

    const events = await operations();
    const overlaps = operationOverlaps(events);
    // Each offending app's operation events, in stream order, to say what happened.
    const story = [...new Set(overlaps.map((o) => o.slice(0, o.indexOf(':'))))].flatMap((app) =>
      events
        .filter((e) => eventApp(e) === app)
        .map((e) => `${app} ${e.subject.split('.').slice(-2).join('.')} ${operationId(e)}`),
    );
    expect(overlaps, story.join('\n')).toEqual([]);
    const succeeded = new Set(
      events.filter((e) => e.subject.endsWith('.operation.succeeded')).map(eventApp),
    );
    expect(succeeded.size).toBe(APPS);
    expect(events.filter((e) => e.subject.endsWith('.operation.failed'))).toEqual([]);

    // What is live is what Git says, and every hook was cleaned up.
    for (let i = 0; i < APPS; i++) {
      const app = name(i);
      const dest = dests[i % DESTINATIONS]!;
      const cm = await rawRequest<{ data: Record<string, string> }>(env.kube.kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${dest}/configmaps/${app}-config`,
      });
      expect(cm.data).toEqual({ app });
      // HookSucceeded: the Job goes once it succeeded (deletion may still be finishing).
      if (hooked(i))
        await waitGone(env.kube.kc, `/apis/batch/v1/namespaces/${dest}/jobs/${app}-smoke`);
    }
  }, 900_000);
});
