import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type Application, type ApplicationSource } from '@flotilla/api';
import type { RenderCommand } from '@flotilla/contracts';
import { credentialFromSecret, GitClient } from '@flotilla/git';
import {
  ChartClient,
  chartDigestField,
  DesiredStore,
  isRenderError,
  RedisManifestCache,
  Renderer,
} from '@flotilla/render';
import { userCacheDir } from '@flotilla/runtime';
import { startEnv, writeChart, type TestEnv } from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';
import { AppRenderer } from '../src/render-app.js';

// The pattern users reach for first: the chart versioned in an OCI registry,
// each environment's values in Git, one Application per environment.
describe('multi-source: a chart from an OCI registry with values from Git', () => {
  let env: TestEnv;
  let redis: Redis;
  let apps: AppRenderer;
  let valuesRepo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  const chartTemplate = {
    'cm.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: "{{ .Release.Name }}-web" }',
      'data:',
      '  greeting: {{ .Values.greeting | quote }}',
      '  chartVersion: {{ .Chart.Version | quote }}',
      '',
    ].join('\n'),
  };
  const push = async (version: string) =>
    env.registry.push(
      await writeChart(join(env.tmpDir, `web-${version}`), {
        name: 'web',
        version,
        templates: chartTemplate,
      }),
    );

  const application = (name: string, targetRevision: string): Application => {
    const sources: ApplicationSource[] = [
      {
        repoURL: `${env.registry.host}/charts`,
        chart: 'web',
        targetRevision,
        helm: { valueFiles: [`$values/envs/${name}.yaml`] },
      },
      { repoURL: valuesRepo.url, targetRevision: 'main', ref: 'values' },
    ];
    return {
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { namespace: 'apps', name },
      spec: { project: 'default', destination: { namespace: name }, sources },
    } as Application;
  };
  const command = (name: string, extra: Partial<RenderCommand> = {}): RenderCommand => ({
    version: 1,
    kind: 'render',
    app: { namespace: 'apps', name },
    reason: 'test',
    ...extra,
  });
  const data = (r: { objects: readonly Record<string, unknown>[] }) =>
    r.objects[0]?.['data'] as Record<string, string> | undefined;

  beforeAll(async () => {
    env = await startEnv({ redis: true, git: true, registry: true, helmRepo: true });
    await push('1.0.0');
    valuesRepo = await env.git.repo('values');
    await valuesRepo.commit({
      'envs/staging.yaml': 'greeting: staging-1\n',
      'envs/production.yaml': 'greeting: production-1\n',
    });
    // An Argo CD repository Secret for the registry, as a user writes it.
    const cred = credentialFromSecret({
      metadata: { labels: { 'argocd.argoproj.io/secret-type': 'repository' } },
      stringData: {
        type: 'helm',
        enableOCI: 'true',
        url: `${env.registry.host}/charts`,
        ...env.registry.auth,
      },
    })!;
    redis = new Redis(env.redis.url);
    const cacheDir = userCacheDir(process.env);
    const { username, password } = env.helmRepo.auth!;
    const charts = new ChartClient({
      cacheDir: env.tmpDir,
      credentials: () => [cred, { urlPrefix: env.helmRepo.url, type: 'helm', username, password }],
      trustedCerts: () => ({ '127.0.0.1': env.ca.caPem }),
    });
    apps = new AppRenderer({
      git: new GitClient({ cacheDir: join(env.tmpDir, 'repos') }),
      renderer: new Renderer({
        helmPath: await resolveTool('helm', { cacheDir }),
        kubectlPath: await resolveTool('kubectl', { cacheDir }),
        tmpDir: env.tmpDir,
        cache: new RedisManifestCache({ client: redis }),
        charts,
      }),
      charts,
      redis,
      memoTtlMs: 60_000,
      toolKey: 'test',
    });
  }, 1_800_000);
  afterAll(async () => {
    redis?.disconnect();
    await env?.[Symbol.asyncDispose]();
  });

  it('renders each source at its own revision: the chart version and the values commit', async () => {
    const staging = await apps.render(application('staging', '1.x'), command('staging'));
    const production = await apps.render(application('production', '1.0.0'), command('production'));
    expect(staging.revisions[0]).toBe('1.0.0');
    expect(staging.revisions[1]).toMatch(/^[0-9a-f]{40}$/);
    expect(data(staging)).toEqual({ greeting: 'staging-1', chartVersion: '1.0.0' });
    expect(data(production)).toEqual({ greeting: 'production-1', chartVersion: '1.0.0' });
  });

  it('a new chart version in the range upgrades the app that follows 1.x, not the pinned one', async () => {
    await push('1.1.0');
    // The git-poller passes the targetRevision through as the chart's revision.
    const staging = await apps.render(
      application('staging', '1.x'),
      command('staging', { revisions: ['1.x', await head()] }),
    );
    const production = await apps.render(application('production', '1.0.0'), command('production'));
    expect(staging.revisions[0]).toBe('1.1.0');
    expect(data(staging)?.['chartVersion']).toBe('1.1.0');
    expect(production.revisions[0]).toBe('1.0.0');
    expect(production.via).toBe('memo');
  });

  it('a values commit changes only the app whose file changed', async () => {
    const before = await apps.render(application('production', '1.0.0'), command('production'));
    await valuesRepo.commit({ 'envs/staging.yaml': 'greeting: staging-2\n' });
    const staging = await apps.render(application('staging', '1.x'), command('staging'));
    const production = await apps.render(application('production', '1.0.0'), command('production'));
    expect(data(staging)?.['greeting']).toBe('staging-2');
    expect(production.revisions[1]).not.toBe(before.revisions[1]);
    expect(production.hash).toBe(before.hash);
  });

  it('a registry that is down fails the render and the last good desired state stays', async () => {
    const desired = new DesiredStore(redis);
    const ref = { namespace: 'apps', name: 'staging' };
    const good = await apps.render(application('staging', '1.x'), command('staging'));
    await desired.setRendered(ref, { ...good, renderedAt: new Date().toISOString() });
    await env.registry.stop();
    try {
      const err = await apps
        .render(application('staging', '1.x'), command('staging', { refresh: 'hard' }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isRenderError(err, 'RepositoryUnreachable')).toBe(true);
      expect(String((err as Error).message)).not.toContain(env.registry.auth.password);
      await desired.setError(ref, (err as Error).message);
      const kept = await desired.get(ref);
      expect(kept?.hash).toBe(good.hash);
      expect(kept?.error?.message).toMatch(/could not be reached/);
    } finally {
      await env.registry.restart();
    }
  });

  it('a Helm repository version published again with other content renders again, past the memo', async () => {
    const publish = async (greeting: string) =>
      env.helmRepo.publish(
        await writeChart(join(env.tmpDir, `http-web-${greeting}`), {
          name: 'web',
          version: '2.0.0',
          templates: chartTemplate,
          values: { greeting },
        }),
      );
    const app = {
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { namespace: 'apps', name: 'from-index' },
      spec: {
        project: 'default',
        destination: { namespace: 'from-index' },
        source: { repoURL: env.helmRepo.url, chart: 'web', targetRevision: '2.0.0' },
      },
    } as Application;
    await publish('first');
    expect(data(await apps.render(app, command('from-index')))?.['greeting']).toBe('first');
    expect((await apps.render(app, command('from-index'))).via).toBe('memo');
    // `helm repo index` announces the re-packaged archive's digest under the same version.
    await publish('second');
    const again = await apps.render(app, command('from-index'));
    expect(again.revisions).toEqual(['2.0.0']);
    expect(again.via).toBe('rendered');
    expect(data(again)?.['greeting']).toBe('second');

    // An app on a range gets the version the git-poller picked and the archive digest the
    // index announced: the renderer reads no index of its own, and renders what it names.
    const ranged = {
      ...app,
      metadata: { namespace: 'apps', name: 'ranged-index' },
      spec: { ...app.spec, source: { ...app.spec!.source!, targetRevision: '2.x' } },
    } as Application;
    expect(data(await apps.render(ranged, command('ranged-index')))?.['greeting']).toBe('second');
    await publish('third');
    const listing = await new ChartClient({
      cacheDir: join(env.tmpDir, 'poller-view'),
      credentials: () => [{ urlPrefix: env.helmRepo.url, ...env.helmRepo.auth! }],
      trustedCerts: () => ({ '127.0.0.1': env.ca.caPem }),
    }).versions({ repoURL: env.helmRepo.url, chart: 'web' });
    const digest = listing[chartDigestField('web', '2.0.0')]![0]!;
    const third = await apps.render(
      ranged,
      command('ranged-index', { revisions: ['2.0.0'], digests: [digest] }),
    );
    expect(third.via).toBe('rendered');
    expect(data(third)?.['greeting']).toBe('third');
  });

  it('mixes all three kinds in one app: an OCI chart, a Helm repository chart and a Git directory, values by ref', async () => {
    await valuesRepo.commit({
      'plain/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-git\n',
    });
    const sources: ApplicationSource[] = [
      {
        repoURL: `oci://${env.registry.host}/charts`,
        chart: 'web',
        targetRevision: '1.0.0',
        helm: { releaseName: 'oci', valueFiles: ['$values/envs/staging.yaml'] },
      },
      {
        repoURL: env.helmRepo.url,
        chart: 'web',
        targetRevision: '2.x',
        helm: { releaseName: 'http', valueFiles: ['$values/envs/production.yaml'] },
      },
      { repoURL: valuesRepo.url, targetRevision: 'main', path: 'plain' },
      { repoURL: valuesRepo.url, targetRevision: 'main', ref: 'values' },
    ];
    const app = {
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { namespace: 'apps', name: 'mixed' },
      spec: { project: 'default', destination: { namespace: 'mixed' }, sources },
    } as Application;
    const r = await apps.render(app, command('mixed'));
    const sha = await valuesRepo.revParse('main');
    expect(r.revisions).toEqual(['1.0.0', '2.0.0', sha, sha]);
    const byName = Object.fromEntries(
      r.objects.map((o) => [(o['metadata'] as { name: string }).name, o['data']]),
    );
    expect(byName).toEqual({
      'oci-web': { greeting: 'staging-2', chartVersion: '1.0.0' },
      'http-web': { greeting: 'production-1', chartVersion: '2.0.0' },
      'from-git': undefined,
    });
  });

  async function head(): Promise<string> {
    const r = await apps.render(application('production', '1.0.0'), command('production'));
    return r.revisions[1] ?? '';
  }
});
