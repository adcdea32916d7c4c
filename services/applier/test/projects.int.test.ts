// AppProject rules enforced by the applier on every path that writes or
// deletes: Sync-phase resources, hooks of every kind, prunes, the Namespace
// CreateNamespace=true makes, app deletion hooks, and a project edited while
// an operation runs. Each refusal names its rule and writes nothing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, APP_PROJECT, Finalizer, applicationPath } from '@flotilla/api';
import type { AppProjectSpec } from '@flotilla/api';
import { ApiError, ProjectClient, rawRequest } from '@flotilla/kube';
import { metrics } from '@flotilla/runtime';
import { waitFor } from '@flotilla/testing';
import { startApplierHarness, type ApplierHarness } from './harness.js';
import { configMap, job, liveConfigMap } from './objects.js';

const IN_CLUSTER = 'https://kubernetes.default.svc';

describe('AppProjects in the applier', () => {
  let h: ApplierHarness;
  let projects: ProjectClient;
  beforeAll(async () => {
    h = await startApplierHarness();
    projects = new ProjectClient(h.env.kube.kc);
  });
  afterAll(async () => {
    await h?.close();
  });

  const project = (name: string, spec: AppProjectSpec) =>
    projects.create(h.ns, {
      apiVersion: API_VERSION,
      kind: APP_PROJECT.kind,
      metadata: { name, namespace: h.ns },
      spec,
    });
  /** A project allowing the app's repository and exactly `dest` on this cluster. */
  const teamProject = (name: string, dest: string, extra: AppProjectSpec = {}) =>
    project(name, {
      sourceRepos: ['https://git.example.com/*'],
      destinations: [{ server: IN_CLUSTER, namespace: dest }],
      ...extra,
    });
  const exists = (apiVersion: string, kind: string, name: string, namespace?: string) =>
    h.env.kube.objects
      .read({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } })
      .then(() => true)
      .catch((err: unknown) => {
        if ((err as { code?: number }).code === 404) return false;
        if (err instanceof ApiError && err.status === 404) return false;
        throw err;
      });
  /** Syncs and expects the project to refuse: Failed, naming `rule`; returns the message. */
  const refused = async (app: string, rule: string) => {
    await h.requestSync(app);
    const state = (await h.finished(app)).status?.operationState;
    expect(state?.phase).toBe('Failed');
    expect(state?.message).toContain(rule);
    expect(state?.syncResult?.resources ?? []).toEqual([]);
    const denied = (await h.events(app)).filter((e) => e['name'] === 'project.denied');
    expect(denied.map((e) => e['data'].rule)).toContain(rule);
    const applied = (await h.events(app)).filter((e) => e['name'] === 'resource.applied');
    expect(applied).toEqual([]);
    return state?.message ?? '';
  };

  it('a ClusterRoleBinding outside clusterResourceWhitelist: refused, nothing applied', async () => {
    const { dest } = await h.createApp(
      'crb',
      [
        configMap('cfg'),
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: `crb-${h.ns}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
        },
      ],
      { project: 'crb' },
    );
    await teamProject('crb', dest);
    const message = await refused('crb', 'clusterResourceWhitelist');
    expect(message).toContain('ClusterRoleBinding');
    expect(message).toContain("project 'crb'");
    expect(await exists('v1', 'ConfigMap', 'cfg', dest)).toBe(false);
    expect(await exists('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', `crb-${h.ns}`)).toBe(
      false,
    );
  });

  it('a Namespace outside the destinations: refused even with Namespace whitelisted', async () => {
    const other = `proj-other-${randomBytes(4).toString('hex')}`;
    const { dest } = await h.createApp(
      'nsobj',
      [configMap('cfg'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: other } }],
      { project: 'nsobj' },
    );
    await teamProject('nsobj', dest, {
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    });
    const message = await refused('nsobj', 'destinations');
    expect(message).toContain(`Namespace ${other}`);
    expect(await exists('v1', 'Namespace', other)).toBe(false);
    expect(await exists('v1', 'ConfigMap', 'cfg', dest)).toBe(false);
  });

  it.each(['PreSync', 'Sync', 'PostSync', 'SyncFail'])(
    'a %s hook in another namespace: refused by destinations, nothing applied',
    async (hook) => {
      const name = `hook-${hook.toLowerCase()}`;
      const other = await h.env.kube.namespace('other');
      const hookJob = job('h', { 'argocd.argoproj.io/hook': hook });
      const { dest } = await h.createApp(
        name,
        [configMap('cfg'), { ...hookJob, metadata: { ...hookJob.metadata, namespace: other } }],
        { project: name },
      );
      await teamProject(name, dest);
      const message = await refused(name, 'destinations');
      expect(message).toContain(`namespace '${other}'`);
      expect(await exists('batch/v1', 'Job', 'h', other)).toBe(false);
      expect(await exists('v1', 'ConfigMap', 'cfg', dest)).toBe(false);
    },
  );

  it('CreateNamespace=true without Namespace in clusterResourceWhitelist: no namespace made', async () => {
    const missing = `proj-new-${randomBytes(4).toString('hex')}`;
    await h.createApp('createns', [configMap('cfg')], {
      project: 'createns',
      destination: { server: IN_CLUSTER, namespace: missing },
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    });
    await teamProject('createns', missing);
    const message = await refused('createns', 'clusterResourceWhitelist');
    expect(message).toContain(`Namespace ${missing}`);
    expect(await exists('v1', 'Namespace', missing)).toBe(false);
  });

  it('a prune outside the destinations: refused, nothing pruned or applied', async () => {
    const { dest } = await h.createApp('prune', [configMap('cfg')], { project: 'prune' });
    // Tracked by the app from an earlier sync, in a namespace the project no longer allows.
    const other = await h.env.kube.namespace('other');
    await liveConfigMap(h.env.kube.kc, other, 'old', { namespace: h.ns, name: 'prune' });
    await teamProject('prune', dest);
    const message = await refused('prune', 'destinations');
    expect(message).toContain(`ConfigMap ${other}/old`);
    expect(await exists('v1', 'ConfigMap', 'old', other)).toBe(true);
    expect(await exists('v1', 'ConfigMap', 'cfg', dest)).toBe(false);
  });

  it('a destination outside the project: refused before anything is looked at', async () => {
    const { dest } = await h.createApp('dest', [configMap('cfg')], { project: 'dest' });
    await teamProject('dest', 'team-*');
    const message = await refused('dest', 'destinations');
    expect(message).toContain(`namespace '${dest}'`);
    expect(await exists('v1', 'ConfigMap', 'cfg', dest)).toBe(false);
  });

  it('permitOnlyProjectScopedClusters: the in-cluster destination (no Secret) is refused', async () => {
    const { dest } = await h.createApp('unscoped', [configMap('cfg')], { project: 'unscoped' });
    await teamProject('unscoped', dest, { permitOnlyProjectScopedClusters: true });
    const message = await refused('unscoped', 'destinations');
    expect(message).toContain('permitOnlyProjectScopedClusters');
    expect(await exists('v1', 'ConfigMap', 'cfg', dest)).toBe(false);
  });

  it('a project that does not exist: refused', async () => {
    const { dest } = await h.createApp('noproj', [configMap('cfg')], { project: 'nope' });
    await h.requestSync('noproj');
    const state = (await h.finished('noproj')).status?.operationState;
    expect(state?.phase).toBe('Failed');
    expect(state?.message).toContain("project 'nope' does not exist");
    expect(await exists('v1', 'ConfigMap', 'cfg', dest)).toBe(false);
  });

  it.each(['PreDelete', 'PostDelete'])(
    'a %s hook of a blacklisted kind: the deletion stops, nothing deleted, finalizer kept',
    async (hook) => {
      const name = `del-${hook.toLowerCase()}`;
      const { dest } = await h.createApp(
        name,
        [configMap('stays'), job('h', { 'argocd.argoproj.io/hook': hook })],
        { project: name },
      );
      await teamProject(name, dest, {
        namespaceResourceBlacklist: [{ group: 'batch', kind: 'Job' }],
      });
      await h.requestSync(name);
      expect((await h.finished(name)).status?.operationState?.phase).toBe('Succeeded');
      expect(await exists('v1', 'ConfigMap', 'stays', dest)).toBe(true);
      const path = applicationPath(h.ns, name);
      await rawRequest(h.env.kube.kc, {
        method: 'PATCH',
        path,
        contentType: 'application/merge-patch+json',
        body: { metadata: { finalizers: [Finalizer.Resources] } },
      });
      await rawRequest(h.env.kube.kc, { method: 'DELETE', path });
      let failed: Record<string, unknown> | undefined;
      await waitFor(
        `deletion of ${name} to stop`,
        async () => {
          failed = (await h.events(name)).find((e) => e['name'] === 'app.deletion-failed')?.[
            'data'
          ];
          return failed !== undefined;
        },
        { timeoutMs: 120_000 },
      );
      expect(String(failed?.['message'])).toContain('namespaceResourceBlacklist');
      expect(String(failed?.['message'])).toContain(`Job ${dest}/h`);
      expect((await h.app(name)).metadata?.finalizers).toEqual([Finalizer.Resources]);
      expect(await exists('v1', 'ConfigMap', 'stays', dest)).toBe(true);
      expect(await exists('batch/v1', 'Job', 'h', dest)).toBe(false);
      const denied = (await h.events(name)).filter((e) => e['name'] === 'project.denied');
      expect(denied.map((e) => e['data'].stage)).toContain('delete');
      await rawRequest(h.env.kube.kc, {
        method: 'PATCH',
        path,
        contentType: 'application/merge-patch+json',
        body: { metadata: { finalizers: null } },
      });
    },
  );

  it('a manual sync in an open deny window is refused unless the window sets manualSync', async () => {
    const { dest } = await h.createApp('manualwin', [configMap('cfg')], { project: 'manualwin' });
    const window = {
      kind: 'deny' as const,
      schedule: '* * * * *',
      duration: '1h',
      applications: ['manual*'],
    };
    const created = await teamProject('manualwin', dest, { syncWindows: [window] });
    await h.requestSync('manualwin');
    const refusedState = (await h.finished('manualwin')).status?.operationState;
    expect(refusedState?.phase).toBe('Failed');
    expect(refusedState?.message).toContain("sync refused: blocked by deny window '* * * * *'");
    expect(await exists('v1', 'ConfigMap', 'cfg', dest)).toBe(false);
    const blocked = (await h.events('manualwin')).filter(
      (e) => e['name'] === 'operation.blocked-by-window',
    );
    expect(blocked.map((e) => e['data'].manual)).toEqual([true]);

    await projects.update(h.ns, {
      ...created,
      spec: { ...created.spec, syncWindows: [{ ...window, manualSync: true }] },
    });
    await h.requestSync('manualwin');
    expect((await h.finished('manualwin')).status?.operationState?.phase).toBe('Succeeded');
    expect(await exists('v1', 'ConfigMap', 'cfg', dest)).toBe(true);
  });

  it('a project edited while the operation runs stops it before the next wave', async () => {
    const { dest } = await h.createApp(
      'midway',
      [
        job(
          'first',
          { 'argocd.argoproj.io/sync-wave': '0' },
          { 'flotilla.dev/test-duration': '20s' },
        ),
        configMap('second', { 'argocd.argoproj.io/sync-wave': '1' }),
      ],
      { project: 'midway' },
    );
    const created = await teamProject('midway', dest);
    await h.requestSync('midway');
    await waitFor('wave 0 to be applied', () => exists('batch/v1', 'Job', 'first', dest), {
      timeoutMs: 60_000,
    });
    await projects.update(h.ns, {
      ...created,
      spec: { ...created.spec, namespaceResourceBlacklist: [{ group: '', kind: 'ConfigMap' }] },
    });
    const state = (await h.finished('midway')).status?.operationState;
    expect(state?.phase).toBe('Failed');
    expect(state?.message).toContain('stopped before Sync wave 1');
    expect(state?.message).toContain('namespaceResourceBlacklist');
    expect(await exists('v1', 'ConfigMap', 'second', dest)).toBe(false);
  });

  it('reads the project from the apiserver once per operation, and each wave from the watch', async () => {
    const wave = (n: number) => ({ 'argocd.argoproj.io/sync-wave': String(n) });
    const { dest } = await h.createApp(
      'three-waves',
      [configMap('w0', wave(0)), configMap('w1', wave(1)), configMap('w2', wave(2))],
      { project: 'three-waves' },
    );
    await teamProject('three-waves', dest);
    // Requests of this process (the applier runs in it) for one AppProject.
    const projectGets = async () =>
      (await metrics.kubeRequests.get()).values.find(
        (v) => v.labels['method'] === 'GET' && v.labels['resource'] === 'appprojects',
      )?.value ?? 0;
    const before = await projectGets();
    await h.requestSync('three-waves');
    const state = (await h.finished('three-waves')).status?.operationState;
    expect(state?.phase).toBe('Succeeded');
    expect(await exists('v1', 'ConfigMap', 'w2', dest)).toBe(true);
    expect((await projectGets()) - before).toBe(1);
  });
});
