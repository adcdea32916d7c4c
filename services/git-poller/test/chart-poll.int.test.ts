import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Poller,
  directRefs,
  memoryResolvedStore,
  sharedChartVersions,
  type ChartVersions,
  type PolledApp,
  type PolledSource,
  type RenderDecision,
  type RepoCredential,
} from '@flotilla/git';
import { ChartClient } from '@flotilla/render';
import { createLogger } from '@flotilla/runtime';
import { startEnv, writeChart, type TestEnv } from '@flotilla/testing';
import { chartWatch, listChart } from '../src/charts.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const INTERVAL = 120_000;

describe('the poller watching chart repositories (real registry, Helm repository, Redis)', () => {
  let env: TestEnv;
  let charts: ChartClient;
  let chartsDir: string;
  const redisClients: Redis[] = [];
  const listed: string[] = [];

  const app = (name: string, source: PolledSource): PolledApp => ({
    ref: { namespace: 'flotilla', name },
    sources: [source],
  });
  const oci = (targetRevision: string): PolledSource => ({
    repoURL: `oci://${env.registry.host}/charts`,
    chart: 'podinfo',
    targetRevision,
  });
  const http = (targetRevision: string): PolledSource => ({
    repoURL: env.helmRepo.url,
    chart: 'guestbook',
    targetRevision,
  });
  const poller = (replica: string, published: RenderDecision[]) => {
    const redis = new Redis(env.redis.url);
    redisClients.push(redis);
    return new Poller({
      // No Git source in these apps: the refs listing is never asked for.
      refs: directRefs(() => Promise.reject(new Error('no Git here'))),
      store: memoryResolvedStore(),
      publish: async (d) => void published.push(d),
      logger,
      charts: {
        watch: chartWatch(charts),
        versions: sharedChartVersions(redis, replica, (s): Promise<ChartVersions> => {
          listed.push(
            `${s.manifest ? 'HEAD ' : ''}${s.repoURL} ${s.chart}${s.manifest ? `:${s.targetRevision}` : ''}`,
          );
          return listChart(charts, s);
        }),
      },
    });
  };

  beforeAll(async () => {
    env = await startEnv({ redis: true, registry: true, helmRepo: true });
    chartsDir = join(env.tmpDir, 'chart-src');
    for (const version of ['1.0.0', '1.1.0'])
      await env.registry.push(
        await writeChart(join(chartsDir, `oci-${version}`), { name: 'podinfo', version }),
      );
    await env.helmRepo.publish(
      await writeChart(join(chartsDir, 'http-0.1.0'), { name: 'guestbook', version: '0.1.0' }),
    );
    const creds: RepoCredential[] = [
      { urlPrefix: env.helmRepo.url, ...env.helmRepo.auth!, type: 'helm' },
      { urlPrefix: `oci://${env.registry.host}`, ...env.registry.auth, type: 'helm' },
    ];
    charts = new ChartClient({
      cacheDir: join(env.tmpDir, 'cache'),
      credentials: () => creds,
      trustedCerts: () => ({ [env.registry.host]: env.ca.caPem, '127.0.0.1': env.ca.caPem }),
    });
  }, 1_800_000);
  afterAll(async () => {
    redisClients.forEach((r) => r.disconnect());
    await env?.[Symbol.asyncDispose]();
  });

  it('resolves constraints once per listing for all apps and replicas; exact versions and digests are never listed', async () => {
    const published: RenderDecision[] = [];
    const fleet = [
      ...Array.from({ length: 20 }, (_, i) => app(`staging-${i}`, oci('1.x'))),
      app('range', oci('>=1.0.0 <1.1.0')),
      app('prod', oci('1.0.0')),
      app('digest', oci(`sha256:${'a'.repeat(64)}`)),
      ...Array.from({ length: 5 }, (_, i) => app(`web-${i}`, http('0.*'))),
    ];
    const indexBefore = env.helmRepo.requests.get('/index.yaml') ?? 0;
    listed.length = 0;
    // Two replicas in the same interval share one listing per repository.
    const [a, b] = [poller('a', published), poller('b', published)];
    const reports = await Promise.all([
      a.round(fleet, { intervalMs: INTERVAL }),
      b.round(fleet, { intervalMs: INTERVAL }),
    ]);
    // And one manifest HEAD per OCI version read (exact or picked): a version pushed again is news.
    expect(listed.sort()).toEqual(
      [
        `oci://${env.registry.host}/charts podinfo`,
        `${env.helmRepo.url} guestbook`,
        `HEAD oci://${env.registry.host}/charts podinfo:1.0.0`,
        `HEAD oci://${env.registry.host}/charts podinfo:1.1.0`,
      ].sort(),
    );
    expect((env.helmRepo.requests.get('/index.yaml') ?? 0) - indexBefore).toBe(1);
    // Two listings and two OCI HEADs; the Helm repository's digests come with its listing.
    expect(reports.map((r) => r.repos)).toEqual([4, 4]);
    const byApp = new Map(reports[0]!.decisions.map((d) => [d.app.name, d]));
    expect(byApp.get('staging-0')?.revisions).toEqual(['1.1.0']);
    expect(byApp.get('range')?.revisions).toEqual(['1.0.0']);
    expect(byApp.get('web-4')?.revisions).toEqual(['0.1.0']);
    // Exact versions and digests are listed nowhere; their first look renders them as written.
    expect(byApp.get('prod')?.revisions).toEqual(['1.0.0']);
    expect(byApp.get('digest')?.revisions).toEqual([`sha256:${'a'.repeat(64)}`]);
  });

  it('a newly pushed matching version is a new decision on the next round; nothing else changes', async () => {
    const published: RenderDecision[] = [];
    const p = poller('c', published);
    const fleet = [app('staging', oci('1.x')), app('old', oci('~1.0.0')), app('web', http('0.*'))];
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(published.map((d) => [d.app.name, d.revisions?.[0]]).sort()).toEqual([
      ['old', '1.0.0'],
      ['staging', '1.1.0'],
      ['web', '0.1.0'],
    ]);
    published.length = 0;
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(published).toEqual([]);

    await env.registry.push(
      await writeChart(join(chartsDir, 'oci-1.2.0'), { name: 'podinfo', version: '1.2.0' }),
    );
    await env.helmRepo.publish(
      await writeChart(join(chartsDir, 'http-0.2.0'), { name: 'guestbook', version: '0.2.0' }),
    );
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(
      published.map((d) => [d.app.name, d.revisions, d.previousRevisions, d.reason]).sort(),
    ).toEqual([
      ['staging', ['1.2.0'], ['1.1.0'], 'new revision 1.2.0'],
      ['web', ['0.2.0'], ['0.1.0'], 'new revision 0.2.0'],
    ]);
  });

  it('a version pushed again with other content is a new decision carrying its digest', async () => {
    const published: RenderDecision[] = [];
    const p = poller('e', published);
    const fleet = [app('pinned', oci('1.0.0')), app('web', http('0.*'))];
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    const before = published.find((d) => d.app.name === 'pinned')!.digests?.[0];
    expect(before).toMatch(/^sha256:/);
    published.length = 0;
    const again = await env.registry.push(
      await writeChart(join(chartsDir, 'oci-1.0.0-again'), {
        name: 'podinfo',
        version: '1.0.0',
        values: { greeting: 'pushed again' },
      }),
    );
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(published.map((d) => [d.app.name, d.revisions, d.digests, d.reason])).toEqual([
      ['pinned', ['1.0.0'], [again.digest], `new chart digest ${again.digest.slice(0, 19)}`],
    ]);
    expect(again.digest).not.toBe(before);
  });

  it('a Helm repository version published again is a new decision carrying its archive digest, from one index read', async () => {
    const published: RenderDecision[] = [];
    const p = poller('f', published);
    const shop = (targetRevision: string): PolledSource => ({
      repoURL: env.helmRepo.url,
      chart: 'shop',
      targetRevision,
    });
    const publish = async (greeting: string) =>
      env.helmRepo.publish(
        await writeChart(join(chartsDir, `shop-${greeting}`), {
          name: 'shop',
          version: '1.0.0',
          values: { greeting },
        }),
      );
    await publish('first');
    const fleet = [app('exact', shop('1.0.0')), app('ranged', shop('1.x'))];
    const reads = () => env.helmRepo.requests.get('/index.yaml') ?? 0;
    let before = reads();
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(reads() - before).toBe(1);
    const first = published.map((d) => d.digests?.[0]);
    expect(first[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first[1]).toBe(first[0]);
    published.length = 0;
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(published).toEqual([]);

    await publish('second');
    before = reads();
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(reads() - before).toBe(1);
    const digest = published[0]?.digests?.[0];
    expect(digest).toMatch(/^sha256:/);
    expect(digest).not.toBe(first[0]);
    expect(published.map((d) => [d.app.name, d.revisions, d.digests, d.reason]).sort()).toEqual([
      ['exact', ['1.0.0'], [digest], `new chart digest ${digest!.slice(0, 19)}`],
      ['ranged', ['1.0.0'], [digest], `new chart digest ${digest!.slice(0, 19)}`],
    ]);
  });

  it('a constraint nothing matches is a decision carrying the error, published once', async () => {
    const published: RenderDecision[] = [];
    const p = poller('d', published);
    const fleet = [app('future', oci('9.x'))];
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    await p.round(fleet, { intervalMs: INTERVAL, fresh: true });
    expect(published).toHaveLength(1);
    expect(published[0]!.error).toMatch(/no version matching "9\.x"/);
    expect(published[0]!.error).not.toContain(env.registry.auth.password);
  });
});
