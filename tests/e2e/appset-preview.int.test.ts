// Preview environments: a pullRequest ApplicationSet reading open pull
// requests from `refs/pull/<n>/head` of the test Git server (no API token)
// renders the demo chart of examples/demo once per pull request, with all
// the roles running. Each preview runs the PR's head commit with that commit
// as its image tag; a push to a PR moves only its preview; closing a PR
// deletes its Application and, through the resources finalizer, what it ran.
// Requeue and resync are an hour here: the pull_request webhooks bring every
// change.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, APPLICATION_SET, applicationPath, type ApplicationSet } from '@flotilla/api';
import { appsetRole } from '@flotilla/appset-controller';
import { installCrds, rawRequest } from '@flotilla/kube';
import { freePort, run } from '@flotilla/runtime';
import { startEnv, startRoles, waitFor, type RunningRoles, type TestEnv } from '@flotilla/testing';
import {
  createAppSet,
  deleteNamespaces,
  describeStatus,
  IN_CLUSTER,
  isSyncedHealthy,
  listApps,
  readApp,
  waitGone,
} from './support/apps.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';
import { sendGithubEvent } from './support/webhooks.js';

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');
const SECRET = 'appset-preview-secret';
const REGISTRY = 'registry.example.com/demo';

interface Workload {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
  data?: Record<string, string>;
}

describe('pull-request previews of the demo chart, end to end', () => {
  let env: TestEnv;
  let ns: string;
  let suffix: string;
  let roles: RunningRoles | undefined;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let port: number;
  const heads: Record<number, string> = {};

  // Destination namespaces are cluster-wide and the apiserver is shared, so each
  // run's namespaces carry the test namespace's random suffix: `preview-<n>-<suffix>`.
  const dest = (n: number) => `preview-${n}-${suffix}`;
  const short = (sha: string) => sha.slice(0, 8);

  /** Opens (or moves) PR `n` at `sha`, or closes it: the ref is what the generator reads. */
  const prRef = (n: number, sha?: string) =>
    run('git', [
      '--git-dir',
      repo.bareDir,
      'update-ref',
      ...(sha ? [`refs/pull/${n}/head`, sha] : ['-d', `refs/pull/${n}/head`]),
    ]);
  /** Tells the git-poller about PR `n`, as GitHub would. */
  const webhook = async (n: number, action: string) => {
    const body = { action, number: n, repository: { clone_url: repo.url } };
    expect((await sendGithubEvent(port, SECRET, 'pull_request', body)).status).toBe(200);
  };
  /** A commit on PR `n`'s branch (a change beside the chart's templates). */
  const pushToPr = (n: number, note: string) =>
    repo.commit({ 'demo/PREVIEW.md': `${note}\n` }, note, `feature-${n}`);

  const read = (apiVersion: string, kind: string, name: string, namespace: string) =>
    env.kube.objects
      .read<Workload & { apiVersion: string; kind: string }>({
        apiVersion,
        kind,
        metadata: { name, namespace },
      })
      .catch((e: unknown) => {
        if ((e as { code?: number }).code === 404) return undefined;
        throw e;
      });
  const images = async (n: number) =>
    Promise.all(
      ['backend', 'frontend'].map(
        async (c) =>
          (await read('apps/v1', 'Deployment', `preview-${n}-${c}`, dest(n)))?.spec?.template?.spec
            ?.containers?.[0]?.image,
      ),
    );
  const host = async (n: number) =>
    (await read('v1', 'ConfigMap', `preview-${n}-config`, dest(n)))?.data?.['MESSAGE'];

  /** Waits until preview `n` is Synced and Healthy at `sha` with that commit as image tag. */
  const waitPreview = async (n: number, sha: string) => {
    let app: Awaited<ReturnType<typeof readApp>>;
    await waitFor(
      `preview-${n} Synced and Healthy at ${short(sha)}`,
      async () => {
        app = await readApp(env.kube.kc, ns, `preview-${n}`);
        if (!isSyncedHealthy(app, sha)) return false;
        const tags = await images(n);
        return tags.every((i) => i?.endsWith(`:${short(sha)}`));
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${describeStatus(app)}`);
    });
  };

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('appset-preview');
    suffix = ns.slice(-8);
    repo = await env.git.repo('previews');
    await repo.commitDir(join(examples, 'demo'), 'demo');
    for (const n of [1, 2]) {
      heads[n] = await pushToPr(n, `feature ${n}`);
      await prRef(n, heads[n]);
    }
    port = await freePort();
    roles = await startRoles(env, ns, [...ALL_ROLES, appsetRole], {
      ...testRoleEnv(env),
      FLOTILLA_ALLOW_LOCAL_REPOS: 'true',
      FLOTILLA_WEBHOOK_ADDR: `127.0.0.1:${port}`,
      FLOTILLA_WEBHOOK_GITHUB_SECRET: SECRET,
      FLOTILLA_APPSET_RESYNC_SECONDS: '3600',
    });
    const set = {
      apiVersion: API_VERSION,
      kind: APPLICATION_SET.kind,
      metadata: { name: 'previews', namespace: ns },
      spec: {
        generators: [
          { pullRequest: { gitRefs: { repoURL: repo.url }, requeueAfterSeconds: 3600 } },
        ],
        template: {
          metadata: {
            name: 'preview-{{number}}',
            labels: { pr: '{{number}}' },
            // Deleting the Application (the PR closed) deletes what it deployed.
            finalizers: ['resources-finalizer.argocd.argoproj.io'],
          },
          spec: {
            project: 'default',
            source: {
              repoURL: repo.url,
              targetRevision: '{{head_sha}}',
              path: 'demo',
              helm: {
                parameters: [
                  { name: 'image.backend', value: `${REGISTRY}/backend:{{head_short_sha}}` },
                  { name: 'image.frontend', value: `${REGISTRY}/frontend:{{head_short_sha}}` },
                  // The demo chart has no ingress or host value: `message` is the value
                  // that reaches a rendered field (the ConfigMap's MESSAGE), so it carries
                  // the preview's host.
                  { name: 'message', value: 'pr-{{number}}.preview.example.com' },
                ],
              },
            },
            destination: { server: IN_CLUSTER, namespace: `preview-{{number}}-${suffix}` },
            syncPolicy: {
              automated: { prune: true, selfHeal: true },
              syncOptions: ['CreateNamespace=true'],
            },
          },
        },
      },
    } as unknown as ApplicationSet;
    await createAppSet(env.kube.kc, set);
  });

  afterAll(async () => {
    await roles?.stop();
    if (env && suffix) await deleteNamespaces(env.kube.kc, [dest(1), dest(2)]);
    await env?.[Symbol.asyncDispose]();
  });

  it('opens one preview per pull request, Synced at its head with its image tag and host', async () => {
    await waitPreview(1, heads[1]!);
    await waitPreview(2, heads[2]!);
    for (const n of [1, 2]) {
      const app = await readApp(env.kube.kc, ns, `preview-${n}`);
      expect(app?.spec.source?.targetRevision).toBe(heads[n]);
      expect(app?.spec.destination.namespace).toBe(dest(n));
      expect(app?.metadata.finalizers).toContain('resources-finalizer.argocd.argoproj.io');
      expect(await images(n)).toEqual([
        `${REGISTRY}/backend:${short(heads[n]!)}`,
        `${REGISTRY}/frontend:${short(heads[n]!)}`,
      ]);
      expect(await host(n)).toBe(`pr-${n}.preview.example.com`);
    }
  });

  it('moves only the pushed pull request to its new commit', async () => {
    const before = heads[1]!;
    heads[1] = await pushToPr(1, 'feature 1, second commit');
    await prRef(1, heads[1]);
    await webhook(1, 'synchronize');
    await waitPreview(1, heads[1]);
    expect(heads[1]).not.toBe(before);
    expect(await images(1)).toEqual([
      `${REGISTRY}/backend:${short(heads[1])}`,
      `${REGISTRY}/frontend:${short(heads[1])}`,
    ]);
    // The other preview stays where it was.
    const two = await readApp(env.kube.kc, ns, 'preview-2');
    expect(isSyncedHealthy(two, heads[2])).toBe(true);
    expect(two?.spec.source?.targetRevision).toBe(heads[2]);
    expect(await images(2)).toEqual([
      `${REGISTRY}/backend:${short(heads[2]!)}`,
      `${REGISTRY}/frontend:${short(heads[2]!)}`,
    ]);
  });

  it('closing a pull request deletes its preview and what it deployed', async () => {
    await prRef(2);
    await webhook(2, 'closed');
    await waitGone(env.kube.kc, applicationPath(ns, 'preview-2'), 240_000);
    // The finalizer deleted everything the preview deployed before the Application went.
    const left = async (path: string) =>
      (await rawRequest<{ items: Workload[] }>(env.kube.kc, { method: 'GET', path })).items
        .map((o) => o.metadata.name)
        .filter((name) => name !== 'kube-root-ca.crt');
    for (const path of [
      `/apis/apps/v1/namespaces/${dest(2)}/deployments`,
      `/apis/apps/v1/namespaces/${dest(2)}/replicasets`,
      `/api/v1/namespaces/${dest(2)}/services`,
      `/api/v1/namespaces/${dest(2)}/configmaps`,
      `/apis/batch/v1/namespaces/${dest(2)}/jobs`,
    ])
      expect(await left(path), path).toEqual([]);
    // As in Argo CD, the namespace CreateNamespace=true made is not the app's (it carries
    // no tracking id), so it stays, empty; the demo chart has no Namespace of its own to
    // put it in the app, and this test deletes it when it ends.
    expect((await read('v1', 'Namespace', dest(2), ''))?.metadata.name).toBe(dest(2));
    const apps = await listApps(env.kube.kc, ns);
    expect(apps.map((a) => a.metadata.name)).toEqual(['preview-1']);
    // The open pull request's preview is untouched.
    expect(isSyncedHealthy(await readApp(env.kube.kc, ns, 'preview-1'), heads[1])).toBe(true);
  });
});
