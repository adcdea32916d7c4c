// Same-named Applications of two namespaces ("apps in any namespace") deleted at
// once, their generateName PreDelete hooks landing in one namespace: each app
// gets a hook of its own, where one name for both made the second app take the
// first one's hook for its own and never run its own.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, APP_PROJECT, Finalizer, applicationPath } from '@flotilla/api';
import { appHash } from '@flotilla/gitops';
import { ApiError, ProjectClient, rawRequest } from '@flotilla/kube';
import { waitFor } from '@flotilla/testing';
import { startApplierHarness, type ApplierHarness } from './harness.js';
import { configMap, job } from './objects.js';

interface Job {
  metadata: { name: string };
}

describe('same-named apps of two namespaces', () => {
  // A prefix of this run alone: the applier serves the namespaces it starts.
  const prefix = `shop${randomBytes(3).toString('hex')}`;
  let h: ApplierHarness;
  let teams: string[];
  let shared: string;
  beforeAll(async () => {
    h = await startApplierHarness({ appNamespaces: `${prefix}-*` });
    teams = [await h.env.kube.namespace(`${prefix}-a`), await h.env.kube.namespace(`${prefix}-b`)];
    shared = await h.env.kube.namespace('shared');
    await new ProjectClient(h.env.kube.kc).create(h.ns, {
      apiVersion: API_VERSION,
      kind: APP_PROJECT.kind,
      metadata: { name: 'teams', namespace: h.ns },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        sourceNamespaces: [`${prefix}-*`],
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('deleted in the same second, each runs its own generateName PreDelete hook', async () => {
    for (const [i, namespace] of teams.entries())
      await h.createApp(
        'shop',
        [
          configMap(`settings-${i}`),
          {
            ...job('unused', { 'argocd.argoproj.io/hook': 'PreDelete' }),
            metadata: {
              generateName: 'backup-',
              annotations: { 'argocd.argoproj.io/hook': 'PreDelete' },
            },
          },
        ],
        { project: 'teams' },
        { namespace, dest: shared },
      );
    const path = (namespace: string) => applicationPath(namespace, 'shop');
    for (const namespace of teams)
      await rawRequest(h.env.kube.kc, {
        method: 'PATCH',
        path: path(namespace),
        contentType: 'application/merge-patch+json',
        body: { metadata: { finalizers: [Finalizer.Resources] } },
      });
    await Promise.all(
      teams.map((namespace) =>
        rawRequest(h.env.kube.kc, { method: 'DELETE', path: path(namespace) }),
      ),
    );
    const gone = (namespace: string) =>
      rawRequest(h.env.kube.kc, { method: 'GET', path: path(namespace) })
        .then(() => false)
        .catch((err: unknown) => err instanceof ApiError && err.status === 404);
    for (const namespace of teams)
      await waitFor(`${namespace}/shop to be gone`, () => gone(namespace), {
        timeoutMs: 120_000,
      });

    const jobs = await rawRequest<{ items: Job[] }>(h.env.kube.kc, {
      method: 'GET',
      path: `/apis/batch/v1/namespaces/${shared}/jobs`,
    });
    const hooks = jobs.items.filter((j) => j.metadata.name.startsWith('backup-'));
    // One hook per app, each named for its own app.
    expect(
      hooks.map((j) => j.metadata.name.replace(/^backup-aaaaaaa-predelete-\d+-/, '')).sort(),
    ).toEqual(teams.map((namespace) => appHash({ namespace, name: 'shop' })).sort());
  });
});
