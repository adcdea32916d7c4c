import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_VERSION, type Application } from '@flotilla/api';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus } from '@flotilla/bus';
import { Streams } from '@flotilla/contracts';
import { ApplicationClient, installCrds, rawRequest } from '@flotilla/kube';
import {
  compatDir,
  startEnv,
  startRoles,
  streamMessages,
  waitFor,
  writeChart,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import {
  autoSyncedApp,
  waitGone,
  deleteNamespaces,
  describeStatus,
  IN_CLUSTER,
  isSyncedHealthy,
  listApps,
  readApp,
} from './support/apps.js';
import { publishIngressAddresses } from './support/ingress.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

/**
 * What an example should come to. `healthy`: Synced, Healthy, operation
 * Succeeded, `resources` (kind/name) among the app's resources, and its hooks
 * run in order and cleaned up per their delete policies.
 * `renderError`: a ComparisonError "failed to render manifests: ..." whose
 * message matches every pattern, and
 * nothing synced. `comparisonError`: the same for a set that renders but
 * cannot be compared (a kind the cluster does not serve).
 */
type Outcome =
  | {
      readonly healthy: {
        readonly resources: readonly string[];
        /** Hooks that must succeed, in this order (name prefixes: some use generateName). */
        readonly hooks?: readonly string[];
        /** Hook Jobs gone afterwards (HookSucceeded). */
        readonly hooksDeleted?: readonly string[];
        readonly ingress?: boolean;
      };
    }
  | { readonly renderError: readonly RegExp[] }
  | { readonly comparisonError: readonly RegExp[] };

/**
 * helm-dependency names `wordpress` 9.0.3 from https://charts.helm.sh/stable, a
 * public repository that is retired and out of reach of the test machines. The
 * suite publishes a stand-in chart of that name and version (a Deployment and a
 * Service) to its own Helm repository (HTTPS from the env's CA, basic auth) and
 * points the example's `repository` at it in the fixture repo; the repository
 * Secret and `argocd-tls-certs-cm` are what a user would add for a private one.
 */
const HELM_DEPENDENCY = {
  name: 'wordpress',
  version: '9.0.3',
  publicRepo: 'https://charts.helm.sh/stable',
  templates: {
    'deploy.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: "{{ .Release.Name }}-wordpress" }',
      'spec:',
      '  replicas: 1',
      '  selector: { matchLabels: { app: "{{ .Release.Name }}-wordpress" } }',
      '  template:',
      '    metadata: { labels: { app: "{{ .Release.Name }}-wordpress" } }',
      '    spec: { containers: [{ name: wordpress, image: "wordpress:5" }] }',
      '',
    ].join('\n'),
    'svc.yaml': [
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: "{{ .Release.Name }}-wordpress" }',
      'spec: { selector: { app: "{{ .Release.Name }}-wordpress" }, ports: [{ port: 80 }] }',
      '',
    ].join('\n'),
  },
};

/**
 * One row per directory of argocd-example-apps that Argo CD deploys as an
 * app (the list in apps/values.yaml, plus apps/ itself). A directory with no
 * row fails the suite, so a new example cannot be skipped silently.
 */
const CASES: Readonly<Record<string, Outcome>> = {
  apps: { healthy: { resources: ['Application/example.guestbook'] } },
  'blue-green': {
    // The Rollout CRD is not installed.
    comparisonError: [
      /^Rollout\.argoproj\.io blue-green-helm-guestbook: the cluster does not know Rollout\.argoproj\.io/,
    ],
  },
  guestbook: { healthy: { resources: ['Deployment/guestbook-ui', 'Service/guestbook-ui'] } },
  // Its dependency (wordpress 9.0.3 from the retired https://charts.helm.sh/stable) is
  // served by the suite's own Helm repository: see HELM_DEPENDENCY below.
  'helm-dependency': {
    healthy: {
      resources: ['Deployment/helm-dependency-wordpress', 'Service/helm-dependency-wordpress'],
    },
  },
  'helm-guestbook': {
    healthy: {
      resources: ['Deployment/helm-guestbook', 'Service/helm-guestbook'],
    },
  },
  'helm-hooks': {
    healthy: {
      resources: ['ReplicaSet/frontend', 'Service/frontend'],
      // pre-install by weight, then post-install.
      hooks: ['upgrade-sql-schema', 'maint-page-up', 'maint-page-down'],
    },
  },
  'jsonnet-guestbook': {
    renderError: [/failed to render manifests: .*guestbook-ui\.jsonnet: Jsonnet is not supported/],
  },
  'jsonnet-guestbook-tla': {
    renderError: [/failed to render manifests: .*guestbook-ui\.jsonnet: Jsonnet is not supported/],
  },
  'kustomize-guestbook': {
    healthy: {
      resources: ['Deployment/kustomize-guestbook-ui', 'Service/kustomize-guestbook-ui'],
    },
  },
  'pre-post-sync': {
    healthy: {
      resources: [
        'Deployment/pre-post-sync-kustomize-guestbook-ui',
        'Service/pre-post-sync-kustomize-guestbook-ui',
      ],
      hooks: ['pre-post-sync-before', 'pre-post-sync-after'],
      hooksDeleted: ['pre-post-sync-before', 'pre-post-sync-after'],
    },
  },
  'sock-shop': {
    healthy: {
      resources: ['Deployment/front-end', 'Service/front-end', 'Ingress/front-end-ingress'],
      ingress: true,
    },
  },
  'sync-waves': {
    healthy: {
      resources: ['ReplicaSet/backend', 'ReplicaSet/frontend'],
      // PreSync, then Sync hooks in waves 1 and 3.
      hooks: ['upgrade-sql-schema', 'maint-page-up', 'maint-page-down'],
    },
  },
};

const compat = compatDir();
const TIMEOUT_MS = 300_000;

describe('Argo CD example apps, end to end with all five roles', () => {
  let env: TestEnv;
  let ns: string;
  let suffix: string;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let roles: RunningRoles | undefined;
  let nc: NatsConnection;
  let examples: string[];
  let children: { name: string; path?: string; namespace?: string }[];
  const destinations = new Set<string>();
  const dest = (name: string) => {
    const d = `${name}-${suffix}`;
    destinations.add(d);
    return d;
  };

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true, helmRepo: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('compat');
    await env.helmRepo.publish(
      await writeChart(join(env.tmpDir, 'stand-in'), { ...HELM_DEPENDENCY, values: {} }),
    );
    await env.kube.objects.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        namespace: ns,
        name: 'stand-in-charts',
        labels: { 'argocd.argoproj.io/secret-type': 'repository' },
      },
      stringData: { type: 'helm', url: env.helmRepo.url, ...env.helmRepo.auth },
    });
    await env.kube.objects.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: ns, name: 'argocd-tls-certs-cm' },
      data: { '127.0.0.1': env.ca.caPem },
    });
    suffix = ns.slice(-8);
    repo = await env.git.repo('argocd-example-apps');
    examples = (await readdir(compat, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
    for (const dir of examples) await repo.commitDir(join(compat, dir), dir);
    const chartYaml = await readFile(join(compat, 'helm-dependency', 'Chart.yaml'), 'utf8');
    await repo.commit(
      {
        'helm-dependency/Chart.yaml': chartYaml.replace(
          `repository: ${HELM_DEPENDENCY.publicRepo}`,
          `repository: ${env.helmRepo.url}`,
        ),
      },
      'serve the helm-dependency chart from the test repository',
    );
    // apps/ lists the examples for an app of apps; its children deploy to this test's namespaces.
    const values = parse(await readFile(join(compat, 'apps', 'values.yaml'), 'utf8')) as {
      applications: { name: string; path?: string; namespace?: string }[];
    };
    children = values.applications.map((a) => ({ ...a, namespace: dest(`x-${a.name}`) }));
    nc = await connectBus({ servers: env.nats.url, name: 'test' });
    roles = await startRoles(env, ns, ALL_ROLES, testRoleEnv(env));
    for (const dir of examples.filter((d) => CASES[d])) {
      const helm =
        dir === 'apps'
          ? {
              valuesObject: {
                config: { spec: { source: { repoURL: repo.url, targetRevision: 'main' } } },
                applications: children,
              },
            }
          : undefined;
      await env.kube.objects.create(
        autoSyncedApp({
          namespace: ns,
          name: dir,
          repoURL: repo.url,
          path: dir,
          destination: dest(dir),
          helm,
          syncOptions: ['CreateNamespace=true'],
        }),
      );
    }
  });

  afterAll(async () => {
    await roles?.stop();
    await nc?.close();
    if (env && ns) {
      // With the roles gone, finalizers of the app-of-apps children would hold the namespace forever.
      for (const app of await listApps(env.kube.kc, ns).catch(() => [])) {
        await new ApplicationClient(env.kube.kc)
          .mergePatch(
            { namespace: ns, name: app.metadata?.name ?? '' },
            { metadata: { finalizers: null } },
          )
          .catch(() => undefined);
      }
      await deleteNamespaces(env.kube.kc, destinations);
    }
    await env?.[Symbol.asyncDispose]();
  });

  it('has a row for every example directory', () => {
    expect(examples.filter((d) => !CASES[d])).toEqual([]);
    expect(Object.keys(CASES).filter((d) => !examples.includes(d))).toEqual([]);
  });

  const app = (name: string) => readApp(env.kube.kc, ns, name);

  it.each(Object.entries(CASES))(
    '%s',
    async (name, outcome) => {
      if ('healthy' in outcome) {
        const head = await repo.revParse('main');
        let last: Application | undefined;
        await waitFor(
          `${name} Synced and Healthy`,
          async () => {
            if (outcome.healthy.ingress) await publishIngressAddresses(env.kube.kc, dest(name));
            last = await app(name);
            return isSyncedHealthy(last, head);
          },
          { timeoutMs: TIMEOUT_MS - 10_000, intervalMs: 1000 },
        ).catch((err: Error) => {
          throw new Error(`${err.message}; last status ${describeStatus(last)}`);
        });
        const resources = (last!.status!.resources ?? []).map((r) => `${r.kind}/${r.name}`);
        expect(resources).toEqual(expect.arrayContaining([...outcome.healthy.resources]));
        expect(last!.status!.resources!.every((r) => r.status === 'Synced')).toBe(true);
        // Warnings (a dropped plugin field, Kustomize's deprecated `bases`) may stay; errors may not.
        const errors = (last!.status!.conditions ?? []).filter((c) => c.type.endsWith('Error'));
        expect(errors).toEqual([]);
        const ran = (
          await streamMessages(nc, Streams.Events, `flotilla.events.${ns}.${name}.hook.succeeded`)
        ).map((e) => String(e.data.hook.name));
        const expectedHooks = outcome.healthy.hooks ?? [];
        expect(ran.length).toBe(expectedHooks.length);
        expectedHooks.forEach((prefix, i) => expect(ran[i]).toMatch(new RegExp(`^${prefix}`)));
        for (const hook of outcome.healthy.hooksDeleted ?? [])
          await waitGone(env.kube.kc, `/apis/batch/v1/namespaces/${dest(name)}/jobs/${hook}`);
      } else {
        const patterns = 'renderError' in outcome ? outcome.renderError : outcome.comparisonError;
        let last: Application | undefined;
        let message = '';
        await waitFor(
          `${name} reports its error`,
          async () => {
            last = await app(name);
            message =
              last?.status?.conditions?.find((c) => c.type === 'ComparisonError')?.message ?? '';
            return message !== '';
          },
          { timeoutMs: TIMEOUT_MS - 10_000, intervalMs: 1000 },
        ).catch((err: Error) => {
          throw new Error(`${err.message}; last status ${describeStatus(last)}`);
        });
        for (const pattern of patterns) expect(message).toMatch(pattern);
        expect(last?.status?.sync?.status).toBe('Unknown');
        // Never destroy (or deploy) on doubt: no operation ran, nothing is live.
        expect(last?.status?.operationState).toBeUndefined();
        expect(last?.operation).toBeUndefined();
        const live = await rawRequest<{ items: unknown[] }>(env.kube.kc, {
          method: 'GET',
          path: `/apis/apps/v1/namespaces/${dest(name)}/deployments`,
        }).catch(() => ({ items: [] }));
        expect(live.items).toEqual([]);
      }
    },
    TIMEOUT_MS,
  );

  it(
    'apps/ creates one child Application per entry of its values, converted and pointed at this repo',
    async () => {
      const expected = children.map((c) => `example.${c.name}`).sort();
      let kids: Application[] = [];
      await waitFor(
        'children created',
        async () => {
          kids = (await listApps(env.kube.kc, ns)).filter((a) =>
            a.metadata?.name?.startsWith('example.'),
          );
          return kids.length === expected.length;
        },
        { timeoutMs: TIMEOUT_MS - 10_000, intervalMs: 1000 },
      );
      expect(kids.map((k) => k.metadata!.name).sort()).toEqual(expected);
      for (const kid of kids) {
        const entry = children.find((c) => `example.${c.name}` === kid.metadata!.name)!;
        expect(kid.apiVersion).toBe(API_VERSION);
        expect(kid.spec.source).toMatchObject({
          repoURL: repo.url,
          targetRevision: 'main',
          path: entry.path ?? entry.name,
        });
        expect(kid.spec.destination).toEqual({ server: IN_CLUSTER, namespace: entry.namespace });
      }
      // A child deploys like the top-level app of the same example.
      let last: Application | undefined;
      await waitFor(
        'example.guestbook Synced and Healthy',
        async () => isSyncedHealthy((last = await app('example.guestbook'))),
        { timeoutMs: TIMEOUT_MS - 10_000, intervalMs: 1000 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}; last status ${describeStatus(last)}`);
      });
      const live = await rawRequest<{ spec: { replicas: number } }>(env.kube.kc, {
        method: 'GET',
        path: `/apis/apps/v1/namespaces/${children.find((c) => c.name === 'guestbook')!.namespace}/deployments/guestbook-ui`,
      });
      expect(live.spec.replicas).toBe(1);
    },
    TIMEOUT_MS,
  );
});
