// Applications outside the control namespace ("apps in any namespace"): five apps all
// named `shop`, with every role running and FLOTILLA_APPLICATION_NAMESPACES naming two
// namespaces by name and a third by a regular expression. The control namespace's app
// and those of the namespaces the setting and the project both allow sync; the one whose
// project does not list its namespace is refused; the one of a namespace the setting does
// not list is never touched. Same-named apps keep apart: each resource carries its own
// app's `<namespace>_<name>` tracking id, and a pruning sync of one leaves the others'.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, APP_PROJECT, TRACKING_ANNOTATION, type Application } from '@flotilla/api';
import {
  ApiError,
  ApplicationClient,
  ProjectClient,
  installCrds,
  rawRequest,
} from '@flotilla/kube';
import {
  compatDir,
  startEnv,
  startRoles,
  waitFor,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import { autoSyncedApp, describeStatus, isSyncedHealthy, readApp } from './support/apps.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

interface Deployment {
  metadata: { annotations?: Record<string, string> };
}

describe('Applications in namespaces other than the control namespace', () => {
  let env: TestEnv;
  let control: string;
  /** Served, and listed in the project's sourceNamespaces. */
  let teamA: string;
  let teamB: string;
  /** Served, but not listed in the project's sourceNamespaces. */
  let refused: string;
  /** Not served: the setting does not list it. */
  let ignored: string;
  /** Destination of the app of each namespace above, keyed by that namespace. */
  const dest = new Map<string, string>();
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let roles: RunningRoles | undefined;

  const shopIn = (namespace: string, project: string): Application => {
    const app = autoSyncedApp({
      namespace,
      name: 'shop',
      repoURL: repo.url,
      path: 'guestbook',
      destination: dest.get(namespace)!,
    });
    app.spec.project = project;
    return app;
  };
  const deployment = (namespace: string) =>
    rawRequest<Deployment>(env.kube.kc, {
      method: 'GET',
      path: `/apis/apps/v1/namespaces/${namespace}/deployments/guestbook-ui`,
    }).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    });
  /** Waits until `namespace`/shop satisfies `ok`; a timeout says where the app stands. */
  const waitApp = (namespace: string, what: string, ok: (app?: Application) => boolean) =>
    waitFor(
      `${namespace}/shop ${what}`,
      async () => ok(await readApp(env.kube.kc, namespace, 'shop')),
      {
        timeoutMs: 240_000,
        intervalMs: 300,
      },
    ).catch(async (err: Error) => {
      const app = await readApp(env.kube.kc, namespace, 'shop');
      throw new Error(`${err.message}: ${describeStatus(app)}`);
    });
  const syncedHealthy = (namespace: string) =>
    waitApp(namespace, 'synced and healthy', (app) => isSyncedHealthy(app));

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    control = await env.kube.namespace('cd');
    teamA = await env.kube.namespace('team-a');
    teamB = await env.kube.namespace('team-b');
    refused = await env.kube.namespace('team-c');
    ignored = await env.kube.namespace('outside');
    for (const ns of [control, teamA, teamB, refused, ignored])
      dest.set(ns, await env.kube.namespace('shop'));
    repo = await env.git.repo('apps');
    await repo.commitDir(join(compatDir(), 'guestbook'), 'guestbook');
    await new ProjectClient(env.kube.kc).create(control, {
      apiVersion: API_VERSION,
      kind: APP_PROJECT.kind,
      metadata: { name: 'teams', namespace: control },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        sourceNamespaces: [teamA, teamB],
      },
    });
    const apps = new ApplicationClient(env.kube.kc);
    // Created before any role starts: the ignored app is there for the whole test, so
    // every other app's sync is time it could have been synced in, were it served.
    await apps.create(ignored, shopIn(ignored, 'teams'));
    roles = await startRoles(env, control, ALL_ROLES, {
      ...testRoleEnv(env),
      FLOTILLA_APPLICATION_NAMESPACES: `${teamA},/^${refused}$/,${teamB}`,
    });
    await apps.create(control, shopIn(control, 'default'));
    await apps.create(teamA, shopIn(teamA, 'teams'));
    await apps.create(teamB, shopIn(teamB, 'teams'));
    await apps.create(refused, shopIn(refused, 'teams'));
  });
  afterAll(async () => {
    await roles?.stop();
    await env[Symbol.asyncDispose]();
  });

  it('syncs the same-named apps of the control namespace and of two served namespaces end to end', async () => {
    await Promise.all([control, teamA, teamB].map(syncedHealthy));
    for (const ns of [control, teamA, teamB]) {
      const app = await readApp(env.kube.kc, ns, 'shop');
      // Each app's resources are its own destination's, nothing of a namesake's.
      expect(
        app?.status?.resources?.map((r) => `${r.kind}:${r.namespace}/${r.name}:${r.status}`).sort(),
      ).toEqual([
        `Deployment:${dest.get(ns)}/guestbook-ui:Synced`,
        `Service:${dest.get(ns)}/guestbook-ui:Synced`,
      ]);
    }
  }, 300_000);

  it('tracks each resource with its app namespace, so same-named apps never claim each other', async () => {
    for (const ns of [control, teamA, teamB]) {
      const live = await deployment(dest.get(ns)!);
      expect(live?.metadata.annotations?.[TRACKING_ANNOTATION]).toBe(
        `${ns}_shop:apps/Deployment:${dest.get(ns)}/guestbook-ui`,
      );
    }
    // A commit all three sync, each with prune, now that all three are deployed: were the
    // ids the same, each would take its namesakes' objects for its own and prune them.
    const head = await repo.commit({
      'guestbook/extra.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: "1"\n',
    });
    await Promise.all(
      [control, teamA, teamB].map((ns) =>
        waitApp(ns, `synced at ${head}`, (app) => isSyncedHealthy(app, head)),
      ),
    );
    for (const ns of [control, teamA, teamB]) {
      const app = await readApp(env.kube.kc, ns, 'shop');
      expect(app?.status?.operationState?.operation?.sync?.prune).toBe(true);
      expect(
        app?.status?.resources?.map((r) => `${r.kind}:${r.namespace}/${r.name}`).sort(),
      ).toEqual([
        `ConfigMap:${dest.get(ns)}/extra`,
        `Deployment:${dest.get(ns)}/guestbook-ui`,
        `Service:${dest.get(ns)}/guestbook-ui`,
      ]);
      expect(await deployment(dest.get(ns)!), `${ns}'s Deployment`).toBeDefined();
    }
  }, 300_000);

  it('refuses an app whose project does not list its namespace, and applies nothing of it', async () => {
    const invalidSpec = (app?: Application) =>
      app?.status?.conditions?.find((c) => c.type === 'InvalidSpecError')?.message ?? '';
    await waitApp(refused, 'refused', (app) => invalidSpec(app) !== '');
    const app = await readApp(env.kube.kc, refused, 'shop');
    expect(invalidSpec(app)).toContain(
      `Applications in namespace '${refused}' may not use project 'teams'`,
    );
    expect(app?.status?.sync?.status).toBe('Unknown');
    expect(app?.status?.operationState).toBeUndefined();
    expect(await deployment(dest.get(refused)!)).toBeUndefined();
  }, 300_000);

  it('never touches an app of a namespace the setting does not list', async () => {
    // The served apps above synced while this one existed: were it served, it would have too.
    await syncedHealthy(teamB);
    const app = await readApp(env.kube.kc, ignored, 'shop');
    expect(app?.status).toBeUndefined();
    expect(app?.operation).toBeUndefined();
    expect(app?.metadata?.finalizers ?? []).toEqual([]);
    expect(await deployment(dest.get(ignored)!)).toBeUndefined();
  }, 300_000);
});
