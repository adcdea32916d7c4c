// The poller watching OCI artifacts (Argo CD's `type: oci`): constraints
// against one tag list per repository, and every tag's digest by one
// manifest HEAD per interval, shared by apps and replicas.
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Poller,
  directRefs,
  memoryResolvedStore,
  sharedChartVersions,
  type PolledApp,
  type PolledSource,
  type RenderDecision,
  type RepoCredential,
} from '@flotilla/git';
import { ChartClient } from '@flotilla/render';
import { createLogger } from '@flotilla/runtime';
import { startEnv, tarGz, type TestEnv } from '@flotilla/testing';
import { chartWatch, listChart } from '../src/charts.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const INTERVAL = 120_000;

describe('the poller watching OCI artifacts (real registry, Redis)', () => {
  let env: TestEnv;
  let charts: ChartClient;
  const redisClients: Redis[] = [];
  const calls: string[] = [];
  const digests = new Map<string, string>();

  const app = (name: string, targetRevision: string, repo = 'manifests/web'): PolledApp => ({
    ref: { namespace: 'flotilla', name },
    sources: [{ repoURL: `oci://${env.registry.host}/${repo}`, targetRevision, path: '.' }],
  });
  const push = async (tag: string, body: string, repo = 'manifests/web') => {
    const pushed = await env.registry.pushArtifact(
      repo,
      tag,
      await tarGz({ 'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${body}\n` }),
    );
    digests.set(`${repo}:${tag}`, pushed.digest);
    return pushed.digest;
  };
  const poller = (replica: string, published: RenderDecision[]) => {
    const redis = new Redis(env.redis.url);
    redisClients.push(redis);
    return new Poller({
      refs: directRefs(() => Promise.reject(new Error('no Git here'))),
      store: memoryResolvedStore(),
      publish: async (d) => void published.push(d),
      logger,
      charts: {
        watch: chartWatch(charts),
        versions: sharedChartVersions(redis, replica, (s: PolledSource) => {
          calls.push(s.manifest ? `HEAD ${s.targetRevision}` : `tags ${s.repoURL}`);
          return listChart(charts, s);
        }),
      },
    });
  };

  beforeAll(async () => {
    env = await startEnv({ redis: true, registry: true });
    for (const tag of ['1.0.0', '1.1.0', 'latest']) await push(tag, `web-${tag}`);
    const creds: RepoCredential[] = [
      { urlPrefix: `oci://${env.registry.host}`, ...env.registry.auth, type: 'oci' },
    ];
    charts = new ChartClient({
      cacheDir: join(env.tmpDir, 'cache'),
      credentials: () => creds,
      trustedCerts: () => ({ '127.0.0.1': env.ca.caPem }),
    });
  }, 1_800_000);
  afterAll(async () => {
    redisClients.forEach((r) => r.disconnect());
    await env?.[Symbol.asyncDispose]();
  });

  it('one tag list per repository and one HEAD per tag for all apps and replicas; revisions are digests', async () => {
    const published: RenderDecision[] = [];
    const fleet = [
      ...Array.from({ length: 10 }, (_, i) => app(`staging-${i}`, '1.x')),
      app('range', '>=1.0.0 <1.1.0'),
      ...Array.from({ length: 5 }, (_, i) => app(`latest-${i}`, 'latest')),
      app('pinned', '1.1.0'),
      app('digest', digests.get('manifests/web:1.0.0')!),
    ];
    calls.length = 0;
    const [a, b] = [poller('a', published), poller('b', published)];
    const reports = await Promise.all([
      a.round(fleet, { intervalMs: INTERVAL }),
      b.round(fleet, { intervalMs: INTERVAL }),
    ]);
    expect(calls.sort()).toEqual(
      [
        `tags oci://${env.registry.host}/manifests/web`,
        'HEAD 1.0.0',
        'HEAD 1.1.0',
        'HEAD latest',
      ].sort(),
    );
    const byApp = new Map(reports[0]!.decisions.map((d) => [d.app.name, d]));
    expect(byApp.get('staging-3')?.revisions).toEqual([digests.get('manifests/web:1.1.0')]);
    expect(byApp.get('range')?.revisions).toEqual([digests.get('manifests/web:1.0.0')]);
    expect(byApp.get('latest-4')?.revisions).toEqual([digests.get('manifests/web:latest')]);
    expect(byApp.get('pinned')?.revisions).toEqual([digests.get('manifests/web:1.1.0')]);
    expect(byApp.get('digest')?.revisions).toEqual([digests.get('manifests/web:1.0.0')]);
  });

  it('a new tag matching a constraint and a tag pushed again are new decisions; nothing else changes', async () => {
    const published: RenderDecision[] = [];
    const p = poller('c', published);
    const fleet = [
      app('staging', '1.x'),
      app('latest', 'latest'),
      app('pinned', '1.0.0'),
      app('digest', digests.get('manifests/web:1.0.0')!),
    ];
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(published).toHaveLength(4);
    published.length = 0;
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(published).toEqual([]);

    const newer = await push('1.2.0', 'web-1.2.0');
    const moved = await push('latest', 'web-latest-again');
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(published.map((d) => [d.app.name, d.revisions, d.reason]).sort()).toEqual([
      ['latest', [moved], `new revision ${moved.slice(0, 19)}`],
      ['staging', [newer], `new revision ${newer.slice(0, 19)}`],
    ]);

    // 1.0.0 pushed again with other content: the app pinned to the tag follows it.
    published.length = 0;
    const repushed = await push('1.0.0', 'web-1.0.0-again');
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(published.map((d) => [d.app.name, d.revisions])).toEqual([['pinned', [repushed]]]);
  });

  it('a tag that does not exist or a constraint that matches nothing is an error, published once', async () => {
    const published: RenderDecision[] = [];
    const p = poller('d', published);
    const fleet = [app('future', '9.x'), app('gone', 'nope'), app('norepo', 'latest', 'no/such')];
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    const errors = new Map(published.map((d) => [d.app.name, d.error ?? '']));
    expect(published).toHaveLength(3);
    expect(errors.get('future')).toMatch(/no version matching "9\.x"/);
    expect(errors.get('gone')).toMatch(/has no tag "nope"/);
    expect(errors.get('norepo')).toMatch(/no\/such has no tag "latest"/);
    for (const e of errors.values()) expect(e).not.toContain(env.registry.auth.password);
  });
});
