// Sync impersonation (FLOTILLA_SYNC_IMPERSONATION=true): an app whose project
// lists destinationServiceAccounts is written as that ServiceAccount, hooks
// included, so the apiserver's RBAC for that account decides; a destination no
// entry matches is refused before anything is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, APP_PROJECT } from '@flotilla/api';
import type { AppProjectSpec } from '@flotilla/api';
import { ApiError, ProjectClient, rawRequest } from '@flotilla/kube';
import { waitFor } from '@flotilla/testing';
import { startApplierHarness, type ApplierHarness } from './harness.js';
import { configMap } from './objects.js';

const IN_CLUSTER = 'https://kubernetes.default.svc';
const secret = (name: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, annotations },
  stringData: { k: 'v' },
});

describe('sync impersonation', () => {
  let h: ApplierHarness;
  let projects: ProjectClient;
  beforeAll(async () => {
    h = await startApplierHarness({ applierEnv: { FLOTILLA_SYNC_IMPERSONATION: 'true' } });
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
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: IN_CLUSTER, namespace: '*' }],
        ...spec,
      },
    });
  /** A ServiceAccount `deployer` in `ns` that may manage ConfigMaps there, nothing else. */
  const configMapDeployer = async (ns: string) => {
    const o = h.env.kube.objects;
    await o.create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'deployer', namespace: ns },
    });
    await o.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'configmaps', namespace: ns },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
      ],
    });
    await o.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }],
    });
    // The apiserver's authorizer learns of the binding through its own watch: ask it
    // (as `kubectl auth can-i --as` does) until it says yes, so the sync sees the rights.
    await waitFor(
      'the binding to take effect',
      async () =>
        (
          await rawRequest<{ status?: { allowed?: boolean } }>(h.env.kube.kc, {
            method: 'POST',
            path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SubjectAccessReview',
              spec: {
                user: `system:serviceaccount:${ns}:deployer`,
                groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`],
                resourceAttributes: { namespace: ns, verb: 'patch', resource: 'configmaps' },
              },
            },
          })
        ).status?.allowed === true,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  };
  const exists = (kind: string, name: string, namespace: string) =>
    h.env.kube.objects
      .read({ apiVersion: 'v1', kind, metadata: { name, namespace } })
      .then(() => true)
      .catch((err: unknown) => {
        if ((err as { code?: number }).code === 404) return false;
        if (err instanceof ApiError && err.status === 404) return false;
        throw err;
      });
  const sync = async (app: string) => {
    await h.requestSync(app);
    return (await h.finished(app)).status?.operationState;
  };

  it("writes as the project's ServiceAccount: its RBAC allows the ConfigMap and refuses the Secret", async () => {
    await project('deployers', {
      destinationServiceAccounts: [
        { server: IN_CLUSTER, namespace: '*', defaultServiceAccount: 'deployer' },
      ],
    });
    const ok = await h.createApp('cms', [configMap('settings')], { project: 'deployers' });
    await configMapDeployer(ok.dest);
    const okState = await sync('cms');
    expect(okState?.phase).toBe('Succeeded');
    expect(await exists('ConfigMap', 'settings', ok.dest)).toBe(true);

    const bad = await h.createApp('with-secret', [configMap('settings'), secret('token')], {
      project: 'deployers',
    });
    await configMapDeployer(bad.dest);
    const badState = await sync('with-secret');
    expect(badState?.phase).toBe('Failed');
    // The apiserver refused the Secret to the impersonated ServiceAccount.
    const said = JSON.stringify(badState);
    expect(said).toMatch(/forbidden/i);
    expect(said).toContain(`system:serviceaccount:${bad.dest}:deployer`);
    expect(await exists('Secret', 'token', bad.dest)).toBe(false);
  });

  it('creates hooks as the ServiceAccount too', async () => {
    const { dest } = await h.createApp(
      'hook-secret',
      [configMap('settings'), secret('pre', { 'argocd.argoproj.io/hook': 'PreSync' })],
      { project: 'deployers' },
    );
    await configMapDeployer(dest);
    const state = await sync('hook-secret');
    expect(state?.phase).toBe('Failed');
    expect(JSON.stringify(state)).toContain(`system:serviceaccount:${dest}:deployer`);
    expect(await exists('Secret', 'pre', dest)).toBe(false);
    expect(await exists('ConfigMap', 'settings', dest)).toBe(false);
  });

  it('refuses a project that lists no ServiceAccount, as Argo CD does, and writes nothing', async () => {
    const { dest } = await h.createApp('own', [secret('token')]);
    const state = await sync('own');
    expect(state?.phase).toBe('Failed');
    expect(state?.message).toContain('lists no destinationServiceAccounts');
    expect(await exists('Secret', 'token', dest)).toBe(false);
  });

  it('refuses a destination no entry matches, naming it, and writes nothing', async () => {
    await project('elsewhere', {
      destinationServiceAccounts: [
        { server: IN_CLUSTER, namespace: 'team-*', defaultServiceAccount: 'deployer' },
      ],
    });
    const { dest } = await h.createApp('unmatched', [configMap('settings')], {
      project: 'elsewhere',
    });
    const state = await sync('unmatched');
    expect(state?.phase).toBe('Failed');
    expect(state?.message).toContain('destinationServiceAccounts');
    expect(state?.message).toContain(`namespace '${dest}'`);
    expect(state?.syncResult?.resources ?? []).toEqual([]);
    expect(await exists('ConfigMap', 'settings', dest)).toBe(false);
  });
});
