// The chart installed with applicationNamespaces and applicationSetNamespaces, every role
// run from the checkout with the token of its chart ServiceAccount: an app and an
// ApplicationSet in a team namespace work end to end on the rights the per-role
// ClusterRoles (`-apps`, `-sets`) give, and the apiserver refuses nothing a role tries.
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_VERSION,
  APP_PROJECT,
  APPLICATION_SET,
  type Application,
  type ApplicationSet,
} from '@flotilla/api';
import { ProjectClient, installCrds, rawRequest } from '@flotilla/kube';
import { run, userCacheDir, type CommandError } from '@flotilla/runtime';
import {
  serviceEnv,
  startEnv,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestEnv,
} from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';
import {
  deleteNamespaces,
  demoApplication,
  describeStatus,
  isSyncedHealthy,
  readApp,
} from '../e2e/support/apps.js';
import { testRoleEnv } from '../e2e/support/roles.js';
import { roleKubeconfigs } from './support/tokens.js';

const root = resolve(import.meta.dirname, '..', '..');
const chart = join(root, 'deploy', 'helm', 'flotilla');
const ROLES = [
  'hook-runner',
  'applier',
  'differ',
  'renderer',
  'git-poller',
  'appset',
  'notifier',
] as const;

const forbidden = (p: ServiceProcess) =>
  p.lines.filter((l) => /forbidden/i.test(JSON.stringify(l))).map((l) => JSON.stringify(l));

describe('the Helm chart with Applications and ApplicationSets in other namespaces', () => {
  let env: TestEnv;
  let ns: string;
  let team: string;
  let pattern: string;
  let release: string;
  let kubectl: string;
  let helm: string;
  const dests: string[] = [];
  const kubeconfigs = new Map<string, string>();
  const procs: ServiceProcess[] = [];

  const kubectlAs = (role: string, ...args: string[]) =>
    run(kubectl, ['--kubeconfig', kubeconfigs.get(role)!, ...args]);
  /** `kubectl auth can-i` as `role`: exit code 1 means no. */
  const can = (role: string, ...args: string[]) =>
    kubectlAs(role, 'auth', 'can-i', ...args).then(
      () => true,
      (e: CommandError) => {
        if (e.exitCode === 1) return false;
        throw e;
      },
    );

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    const tools = { cacheDir: userCacheDir(process.env), path: process.env['PATH'] };
    helm = await resolveTool('helm', tools);
    kubectl = await resolveTool('kubectl', tools);
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('flotilla-install');
    team = await env.kube.namespace('tenant');
    // This run's team namespaces alone (the chart's roles serve what it names).
    pattern = `${team.slice(0, -4)}*`;
    release = `r${ns.slice(-8)}`;
    await run(helm, [
      'install',
      release,
      chart,
      '--kubeconfig',
      env.kube.kubeconfigPath,
      '--namespace',
      ns,
      '--set',
      'nats.storage.size=',
      '--set',
      `applicationNamespaces={${pattern}}`,
      '--set',
      `applicationSetNamespaces={${pattern}}`,
    ]);
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
    await new ProjectClient(env.kube.kc).create(ns, {
      apiVersion: API_VERSION,
      kind: APP_PROJECT.kind,
      metadata: { name: 'teams', namespace: ns },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        sourceNamespaces: [pattern],
      },
    });
  });

  afterAll(async () => {
    for (const p of procs.reverse()) await p.kill('SIGTERM').catch(() => undefined);
    if (env && release)
      await run(helm, [
        'uninstall',
        release,
        '--wait',
        '--kubeconfig',
        env.kube.kubeconfigPath,
        '--namespace',
        ns,
      ]).catch(() => undefined);
    if (env && dests.length) await deleteNamespaces(env.kube.kc, dests);
    await env?.[Symbol.asyncDispose]();
  });

  it('gives the roles rights on Applications, and the appset role on sets, in other namespaces', async () => {
    for (const role of ['git-poller', 'renderer', 'differ', 'applier', 'appset', 'notifier'])
      expect(await can(role, 'get', 'applications.flotilla.dev', '-n', team), role).toBe(true);
    expect(await can('appset', 'create', 'applications.flotilla.dev', '-n', team)).toBe(true);
    expect(await can('appset', 'watch', 'applicationsets.flotilla.dev', '-n', team)).toBe(true);
    expect(await can('appset', 'list', 'secrets', '-n', team)).toBe(true);
    // The roles with no right on the managed cluster (the others hold `*` there) get
    // only what the -apps and -sets ClusterRoles say.
    expect(await can('git-poller', 'list', 'applicationsets.flotilla.dev', '-n', team)).toBe(false);
    expect(await can('renderer', 'patch', 'applications.flotilla.dev', '-n', team)).toBe(false);
    expect(await can('notifier', 'list', 'applications.flotilla.dev', '-n', team)).toBe(false);
    expect(await can('appset', 'create', 'configmaps', '-n', team)).toBe(false);
  });

  it('syncs an app of a team namespace and generates a team set’s app, each role on its own token', async () => {
    const repo = await env.git.repo('demo');
    await repo.commitDir(join(root, 'examples', 'demo'), 'demo');
    const dest = `demo-${team.slice(-8)}`;
    dests.push(dest);
    for (const role of ROLES)
      procs.push(
        await startServiceProcess(
          role,
          serviceEnv(env, ns, {
            ...testRoleEnv(env),
            KUBECONFIG: kubeconfigs.get(role)!,
            FLOTILLA_APPLICATION_NAMESPACES: pattern,
            FLOTILLA_APPLICATIONSET_NAMESPACES: pattern,
          }),
        ),
      );
    const app = await demoApplication(team, repo.url, dest);
    app.spec.project = 'teams';
    await env.kube.objects.create(app);
    const set: ApplicationSet = {
      apiVersion: API_VERSION,
      kind: APPLICATION_SET.kind,
      metadata: { name: 'shop', namespace: team },
      spec: {
        // A Git generator: the appset role reads the project first, on its own token.
        generators: [
          { git: { repoURL: repo.url, revision: 'main', directories: [{ path: 'demo' }] } },
        ],
        // No resources finalizer: no applier is left to honour it when the test ends.
        syncPolicy: { preserveResourcesOnDeletion: true },
        template: {
          metadata: { name: 'qa-{{path.basename}}' },
          spec: {
            project: 'teams',
            source: { repoURL: repo.url, path: 'demo', targetRevision: 'main' },
            destination: { server: 'https://kubernetes.default.svc', namespace: `${dest}-qa` },
          },
        },
      },
    } as ApplicationSet;
    await rawRequest(env.kube.kc, {
      method: 'POST',
      path: `/apis/${API_VERSION}/namespaces/${team}/${APPLICATION_SET.plural}`,
      body: set,
    });
    const head = await repo.revParse('main');
    let last: Application | undefined;
    await waitFor(
      `${team}/demo Synced and Healthy`,
      async () => {
        last = await readApp(env.kube.kc, team, 'demo');
        return isSyncedHealthy(last, head);
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; last status ${describeStatus(last)}; refused: ${procs.flatMap(forbidden).join('\n')}`,
      );
    });
    // The generated app is compared by the differ like any other: its status shows it.
    await waitFor(
      `${team}/qa-demo generated and compared`,
      async () => (await readApp(env.kube.kc, team, 'qa-demo'))?.status?.sync?.status !== undefined,
      { timeoutMs: 120_000, intervalMs: 500 },
    ).catch(async (err: Error) => {
      const stored = await rawRequest<ApplicationSet>(env.kube.kc, {
        method: 'GET',
        path: `/apis/${API_VERSION}/namespaces/${team}/${APPLICATION_SET.plural}/shop`,
      });
      throw new Error(
        `${err.message}; set conditions ${JSON.stringify(stored.status?.conditions)}; refused: ${procs.flatMap(forbidden).join('\n')}`,
      );
    });
    const generated = await readApp(env.kube.kc, team, 'qa-demo');
    expect((generated?.status?.conditions ?? []).filter((c) => /Error$/.test(c.type))).toEqual([]);
    expect(
      (generated?.metadata as { ownerReferences?: { name: string }[] }).ownerReferences,
    ).toEqual([expect.objectContaining({ name: 'shop' })]);
    expect(procs.flatMap(forbidden)).toEqual([]);
    // The two waits above give up after 180 s and 120 s with what they saw; the test outlives both.
  }, 330_000);
});
