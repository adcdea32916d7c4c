// A commit that lands while an automated sync runs is synced as soon as that
// sync ends, with all five roles against the real apiserver: the Sync phase is
// done (Synced, Healthy) while a PostSync hook still runs, a hard refresh
// announces the new commit, and the app must reach Synced at it without any
// periodic resync (polling and resync are both out of the way here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Application } from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import {
  autoSyncedApp,
  deleteNamespaces,
  describeStatus,
  isSyncedHealthy,
  readApp,
} from './support/apps.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

const settings = (version: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings' },
  data: { version },
});

// KWOK keeps the hook's pod running this long (libs/devcluster/stages).
const smokeTest = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    name: 'smoke-test',
    annotations: {
      'argocd.argoproj.io/hook': 'PostSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    },
  },
  spec: {
    backoffLimit: 0,
    template: {
      metadata: { annotations: { 'flotilla.dev/test-duration': '30s' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'smoke', image: 'alpine' }] },
    },
  },
};

describe('a commit during a running sync', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let roles: RunningRoles | undefined;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let app: Application | undefined;

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = `cds-${ns.slice(-8)}`;
    repo = await env.git.repo('apps');
    await repo.commit(
      { 'app/settings.yaml': stringify(settings('1')), 'app/smoke.yaml': stringify(smokeTest) },
      'first',
    );
    roles = await startRoles(env, ns, ALL_ROLES, {
      ...testRoleEnv(env),
      // Nothing periodic may rescue a missed sync: the git-poller lists refs at start and on
      // a refresh, the differ compares on triggers only.
      FLOTILLA_POLL_INTERVAL_SECONDS: '3600',
      FLOTILLA_RESYNC_SECONDS: '3600',
    });
  });
  afterAll(async () => {
    await roles?.stop();
    if (env && dest) await deleteNamespaces(env.kube.kc, [dest]);
    await env?.[Symbol.asyncDispose]();
  });

  it('syncs the new commit as soon as the running operation ends', async () => {
    const first = await repo.revParse('main');
    await env.kube.objects.create(
      autoSyncedApp({
        namespace: ns,
        name: 'busy',
        repoURL: repo.url,
        path: 'app',
        destination: dest,
        syncOptions: ['CreateNamespace=true'],
      }),
    );
    // The Sync phase is done and the app Synced and Healthy, while PostSync still runs.
    await waitFor(
      'the PostSync hook running after the Sync phase',
      async () => {
        app = await readApp(env.kube.kc, ns, 'busy');
        const s = app?.status;
        return (
          s?.sync?.status === 'Synced' &&
          s.sync.revision === first &&
          s.operationState?.phase === 'Running' &&
          (s.operationState.syncResult?.resources ?? []).some(
            (r) => r.hookType === 'PostSync' && r.hookPhase === 'Running',
          )
        );
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${describeStatus(app)}`);
    });

    const second = await repo.commit({ 'app/settings.yaml': stringify(settings('2')) }, 'second');
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `/apis/flotilla.dev/v1alpha1/namespaces/${ns}/applications/busy`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } },
    });
    // The new commit is compared while the first operation still runs: OutOfSync, no sync yet.
    await waitFor(
      'OutOfSync at the new commit while the first operation runs',
      async () => {
        app = await readApp(env.kube.kc, ns, 'busy');
        const s = app?.status;
        return s?.sync?.status === 'OutOfSync' && s.sync.revision === second;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${describeStatus(app)}`);
    });
    expect(app?.status?.operationState?.phase).toBe('Running');
    expect(app?.status?.operationState?.syncResult?.revision).toBe(first);

    // When the hook ends, the first operation ends and the second sync follows at once.
    await waitFor(
      'Synced at the new commit',
      async () => {
        app = await readApp(env.kube.kc, ns, 'busy');
        return (
          isSyncedHealthy(app, second) &&
          app?.status?.operationState?.syncResult?.revision === second
        );
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${describeStatus(app)}`);
    });
    const live = await rawRequest<{ data: Record<string, string> }>(env.kube.kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${dest}/configmaps/settings`,
    });
    expect(live.data).toEqual({ version: '2' });
    expect(app?.status?.history?.map((h) => h.revision)).toEqual([first, second]);
  }, 420_000);
});
