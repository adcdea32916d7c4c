import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, applicationPath, type Application } from '@flotilla/api';
import { connectBus } from '@flotilla/bus';
import { Streams } from '@flotilla/contracts';
import { installCrds, rawRequest } from '@flotilla/kube';
import {
  addRegistryAccess,
  startEnv,
  startRoles,
  streamMessages,
  waitFor,
  writeChart,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import { IN_CLUSTER, readApp } from './support/apps.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

// The pattern users reach for first: the chart versioned in an OCI registry,
// each environment's values in Git, an Application per environment combining
// the two (multi-source with `ref`). All five roles run; the git-poller watches
// the registry on its interval.
describe('a chart from an OCI registry with values from Git, staging on 1.x and production pinned', () => {
  let env: TestEnv;
  let ns: string;
  let roles: RunningRoles | undefined;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let charts: string;
  const dest = { staging: '', prod: '' };

  const chart = (version: string) =>
    writeChart(join(charts, version), {
      name: 'webapp',
      version,
      values: { greeting: 'default' },
    });
  const app = (name: 'staging' | 'prod', repoURL: string, targetRevision: string): Application =>
    ({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name, namespace: ns },
      spec: {
        project: 'default',
        sources: [
          {
            repoURL,
            chart: 'webapp',
            targetRevision,
            helm: { releaseName: 'web', valueFiles: [`$values/envs/${name}/values.yaml`] },
          },
          { repoURL: repo.url, targetRevision: 'main', ref: 'values' },
        ],
        destination: { server: IN_CLUSTER, namespace: dest[name] },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    }) as Application;
  const configMap = async (name: 'staging' | 'prod') =>
    (
      await rawRequest<{ data: Record<string, string> }>(env.kube.kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${dest[name]}/configmaps/web-webapp`,
      }).catch(() => undefined)
    )?.data;
  const status = async (name: string) => (await readApp(env.kube.kc, ns, name))?.status ?? {};
  const syncedAt = async (name: string, revisions: string[]) => {
    const s = await status(name);
    return (
      s.sync?.status === 'Synced' &&
      JSON.stringify(s.sync.revisions) === JSON.stringify(revisions) &&
      s.operationState?.phase === 'Succeeded'
    );
  };

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, git: true, registry: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest.staging = await env.kube.namespace('staging');
    dest.prod = await env.kube.namespace('prod');
    charts = join(env.tmpDir, 'charts');
    await env.registry.push(await chart('1.0.0'));
    repo = await env.git.repo('env-values');
    await repo.commit({
      'envs/staging/values.yaml': 'greeting: hello staging\n',
      'envs/prod/values.yaml': 'greeting: hello prod\n',
    });
    // What a user adds for a private registry: a repository Secret and its CA.
    await addRegistryAccess(env.kube.objects, ns, env.registry, env.ca);
    roles = await startRoles(env, ns, ALL_ROLES, testRoleEnv(env));
    // Both spellings of an OCI source: Argo CD's host/path (enableOCI) and oci://.
    await env.kube.objects.create(app('staging', `${env.registry.host}/charts`, '1.x'));
    await env.kube.objects.create(app('prod', `oci://${env.registry.host}/charts`, '1.0.0'));
  }, 1_800_000);
  afterAll(async () => {
    await roles?.stop();
    await env?.[Symbol.asyncDispose]();
  });

  it('both sync chart 1.0.0 with their own values; status carries each source revision', async () => {
    const head = await repo.revParse('main');
    for (const name of ['staging', 'prod'] as const) {
      await waitFor(`${name} synced`, () => syncedAt(name, ['1.0.0', head]), {
        timeoutMs: 120_000,
        intervalMs: 500,
      });
    }
    expect(await configMap('staging')).toEqual({
      greeting: 'hello staging',
      chartVersion: '1.0.0',
    });
    expect(await configMap('prod')).toEqual({ greeting: 'hello prod', chartVersion: '1.0.0' });
    expect((await status('staging')).history?.at(-1)?.revisions).toEqual(['1.0.0', head]);
  });

  it('a pushed 1.1.0 upgrades staging (1.x) and leaves production (1.0.0) alone', async () => {
    const head = await repo.revParse('main');
    const prodHistory = (await status('prod')).history?.length;
    await env.registry.push(await chart('1.1.0'));
    await waitFor(
      'staging upgraded',
      async () =>
        (await syncedAt('staging', ['1.1.0', head])) &&
        (await configMap('staging'))?.['chartVersion'] === '1.1.0',
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const staging = await status('staging');
    expect(staging.history?.at(-1)?.revisions).toEqual(['1.1.0', head]);
    const nc = await connectBus({ servers: env.nats.url, name: 'test' });
    try {
      const changed = await streamMessages(
        nc,
        Streams.Events,
        `flotilla.events.${ns}.staging.source.changed`,
      );
      expect(changed.at(-1)?.data).toMatchObject({
        revisions: ['1.1.0', head],
        previousRevisions: ['1.0.0', head],
        sources: [{ targetRevision: '1.x', revision: '1.1.0' }, { revision: head }],
      });
    } finally {
      await nc.close();
    }
    expect(staging.history?.at(-2)?.revisions).toEqual(['1.0.0', head]);
    // Production: still 1.0.0 live, in status, and no new sync in its history.
    const prod = await status('prod');
    expect(prod.sync?.revisions).toEqual(['1.0.0', head]);
    expect(prod.history).toHaveLength(prodHistory!);
    expect(await configMap('prod')).toEqual({ greeting: 'hello prod', chartVersion: '1.0.0' });
  });

  it('a values commit in Git syncs only the app whose file changed', async () => {
    const prodHistory = (await status('prod')).history?.length;
    const next = await repo.commit(
      { 'envs/staging/values.yaml': 'greeting: hi again staging\n' },
      'staging values',
    );
    await waitFor(
      'staging values live',
      async () =>
        (await syncedAt('staging', ['1.1.0', next])) &&
        (await configMap('staging'))?.['greeting'] === 'hi again staging',
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // Production compares at the new commit too, renders the same manifests and stays Synced.
    await waitFor(
      'prod compared at the new commit',
      async () => (await status('prod')).sync?.revisions?.[1] === next,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const prod = await status('prod');
    expect(prod.sync?.status).toBe('Synced');
    expect(prod.history).toHaveLength(prodHistory!);
    expect(await configMap('prod')).toEqual({ greeting: 'hello prod', chartVersion: '1.0.0' });
  });

  it('1.0.0 pushed again with other content re-renders production, still at 1.0.0', async () => {
    const head = await repo.revParse('main');
    const prodHistory = (await status('prod')).history?.length ?? 0;
    await env.registry.push(
      await writeChart(join(charts, '1.0.0-again'), {
        name: 'webapp',
        version: '1.0.0',
        values: { greeting: 'default' },
        templates: {
          'cm.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\n' +
            'data:\n  greeting: {{ .Values.greeting | quote }}\n  chartVersion: {{ .Chart.Version | quote }}\n' +
            '  pushedAgain: "yes"\n',
        },
      }),
    );
    await waitFor(
      'prod follows the tag',
      async () =>
        (await syncedAt('prod', ['1.0.0', head])) &&
        (await configMap('prod'))?.['pushedAgain'] === 'yes',
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(await configMap('prod')).toEqual({
      greeting: 'hello prod',
      chartVersion: '1.0.0',
      pushedAgain: 'yes',
    });
    expect((await status('prod')).history?.length).toBeGreaterThan(prodHistory);
  });

  it('a constraint matching nothing and a registry that is down are ComparisonErrors that prune nothing', async () => {
    const comparisonError = async () =>
      (await status('staging')).conditions?.find((c) => c.type === 'ComparisonError')?.message;
    const live = await configMap('staging');
    expect(live).toBeDefined();
    const target = async (targetRevision: string) => {
      const a = (await readApp(env.kube.kc, ns, 'staging'))!;
      const sources = a.spec!.sources!.map((s, i) => (i === 0 ? { ...s, targetRevision } : s));
      await rawRequest(env.kube.kc, {
        method: 'PATCH',
        path: applicationPath(ns, 'staging'),
        contentType: 'application/merge-patch+json',
        body: { spec: { sources } },
      });
    };
    await target('7.x');
    await waitFor(
      'no version matches: ComparisonError',
      async () => /7\.x/.test((await comparisonError()) ?? ''),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(await configMap('staging')).toEqual(live);

    await target('1.x');
    await waitFor('matched again', async () => (await comparisonError()) === undefined, {
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    await env.registry.stop();
    try {
      // A hard refresh makes the renderer ask the registry now, not its memo.
      await rawRequest(env.kube.kc, {
        method: 'PATCH',
        path: applicationPath(ns, 'staging'),
        contentType: 'application/merge-patch+json',
        body: { metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } } },
      });
      await waitFor(
        'registry down: ComparisonError',
        async () => /could not be reached/.test((await comparisonError()) ?? ''),
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      expect(await configMap('staging')).toEqual(live);
      expect(JSON.stringify(await status('staging'))).not.toContain(env.registry.auth.password);
    } finally {
      await env.registry.restart();
    }
  }, 400_000);
});
