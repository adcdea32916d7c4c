// The chart installed into the control plane (KWOK runs its pods as fakes), then every
// role run from the checkout with the token of its chart ServiceAccount: the apiserver
// enforces the chart's RBAC, so a right the chart forgot shows up as Forbidden here.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Application } from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
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
import { parseCanIList, parseRbacTable } from './support/rbac.js';
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

/** Log lines of a role that the apiserver refused, for failure messages. */
const forbidden = (p: ServiceProcess) =>
  p.lines.filter((l) => /forbidden/i.test(JSON.stringify(l))).map((l) => JSON.stringify(l));

describe('the Helm chart installed, each role with its own ServiceAccount', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let release: string;
  let helm: string;
  let kubectl: string;
  const kubeconfigs = new Map<string, string>();
  const procs: ServiceProcess[] = [];
  let app: Application | undefined;

  const helmRun = (...args: string[]) =>
    run(helm, [...args, '--kubeconfig', env.kube.kubeconfigPath, '--namespace', ns]);
  const kubectlAs = (role: string, ...args: string[]) =>
    run(kubectl, ['--kubeconfig', kubeconfigs.get(role)!, ...args]);

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    const tools = { cacheDir: userCacheDir(process.env), path: process.env['PATH'] };
    helm = await resolveTool('helm', tools);
    kubectl = await resolveTool('kubectl', tools);
    // The CRDs are shared by every test of the cluster: Helm skips the ones that exist.
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('flotilla-install');
    await rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    });
    dest = `demo-${ns.slice(-8)}`;
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
  });

  afterAll(async () => {
    for (const p of procs.reverse()) await p.kill('SIGTERM').catch(() => undefined);
    if (env && release) await helmRun('uninstall', release, '--wait').catch(() => undefined);
    if (env && dest) await deleteNamespaces(env.kube.kc, [dest]);
    await env?.[Symbol.asyncDispose]();
  });

  it('runs every role pod under the restricted Pod Security Standard', async () => {
    await waitFor(
      'a running pod for each role',
      async () => {
        const pods = await env.kube.core.listNamespacedPod({
          namespace: ns,
          labelSelector: `app.kubernetes.io/instance=${release}`,
        });
        const running = new Set(
          pods.items
            .filter((p) => p.status?.phase === 'Running')
            .map((p) => p.metadata?.labels?.['app.kubernetes.io/component']),
        );
        return ROLES.every((r) => running.has(r));
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
  });

  it('gives each ServiceAccount exactly the rights docs/install.md lists', async () => {
    const table = parseRbacTable(await readFile(join(root, 'docs', 'install.md'), 'utf8'));
    expect(Object.keys(table).sort()).toEqual([...ROLES].sort());
    const elsewhere = await env.kube.namespace('flotilla-elsewhere');
    for (const role of ROLES) {
      const inApps = parseCanIList(
        (await kubectlAs(role, 'auth', 'can-i', '--list', '-n', ns)).stdout,
      );
      const inOther = parseCanIList(
        (await kubectlAs(role, 'auth', 'can-i', '--list', '-n', elsewhere)).stdout,
      );
      expect({ role, rights: inApps }).toEqual({ role, rights: table[role]!.applications });
      expect({ role, rights: inOther }).toEqual({ role, rights: table[role]!.cluster });
    }
  });

  it('refuses a write to the managed cluster from the roles that only read', async () => {
    for (const role of ['git-poller', 'renderer', 'appset', 'notifier']) {
      const err = await kubectlAs(role, 'create', 'configmap', 'sneaky', '-n', ns).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(
        new RegExp(
          `configmaps is forbidden: User "system:serviceaccount:${ns}:${release}-flotilla-${role}" cannot create resource "configmaps"`,
        ),
      );
    }
  });

  it('lets the notifier read only its own Secret, not repository credentials', async () => {
    // kubectl auth can-i exits 1 for "no".
    const can = (...args: string[]) =>
      kubectlAs('notifier', 'auth', 'can-i', ...args, '-n', ns).then(
        () => 'yes',
        (e: CommandError) => {
          if (e.exitCode === 1) return 'no';
          throw e;
        },
      );
    expect(await can('get', 'secret/flotilla-notifications-secret')).toBe('yes');
    expect(await can('get', 'secret/repo-creds')).toBe('no');
    expect(await can('list', 'secrets')).toBe('no');
  });

  it('syncs the demo app end to end with every role on its own token', async () => {
    const repo = await env.git.repo('demo');
    await repo.commitDir(join(root, 'examples', 'demo'), 'demo');
    for (const role of ROLES) {
      procs.push(
        await startServiceProcess(
          role,
          serviceEnv(env, ns, { ...testRoleEnv(env), KUBECONFIG: kubeconfigs.get(role)! }),
        ),
      );
    }
    await env.kube.objects.create(await demoApplication(ns, repo.url, dest));
    const head = await repo.revParse('main');
    await waitFor(
      'the demo Synced and Healthy',
      async () => {
        app = await readApp(env.kube.kc, ns, 'demo');
        return isSyncedHealthy(app, head);
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; last status ${describeStatus(app)}; refused: ${procs.flatMap(forbidden).join('\n')}`,
      );
    });
    const frontend = await env.kube.objects.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'demo-frontend', namespace: dest },
    });
    expect(frontend.metadata?.name).toBe('demo-frontend');
    // Nothing a role tried was refused on the way, even where a refusal would not stop the sync.
    expect(procs.flatMap(forbidden)).toEqual([]);
    // The wait above gives up after 180 s with the status and any refusal; the test must outlive it.
  }, 240_000);
});
