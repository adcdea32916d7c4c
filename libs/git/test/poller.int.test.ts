import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '@flotilla/runtime';
import { startEnv, type TestEnv } from '@flotilla/testing';
import {
  GitClient,
  Poller,
  directRefs,
  memoryResolvedStore,
  redisResolvedStore,
  sharedRefs,
  type PolledApp,
  type RenderDecision,
} from '../src/index.js';

const logger = createLogger({ name: 'test', level: 'silent' });

describe('the poller with a real Git server and Redis', () => {
  let env: TestEnv;
  let git: GitClient;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  const redisClients: Redis[] = [];
  const apps = (n: number, revision = 'main'): PolledApp[] =>
    Array.from({ length: n }, (_, i) => ({
      ref: { namespace: 'flotilla', name: `app-${i}` },
      sources: [{ repoURL: repo.url, targetRevision: revision, path: `apps/app-${i}` }],
    }));

  /** A poller listing the repository itself, remembering in memory, publishing into `published`. */
  const directPoller = (published: RenderDecision[]) =>
    new Poller({
      refs: directRefs((u) => git.lsRemote(u)),
      store: memoryResolvedStore(),
      publish: async (d) => void published.push(d),
      logger,
    });

  beforeAll(async () => {
    env = await startEnv({ git: true, redis: true });
    repo = await env.git.repo('monorepo');
    await repo.commit({ 'apps/app-0/cm.yaml': 'kind: ConfigMap\n' });
    git = new GitClient({ cacheDir: join(env.tmpDir, 'cache') });
  });
  afterAll(async () => {
    redisClients.forEach((r) => r.disconnect());
    await env[Symbol.asyncDispose]();
  });

  it('100 apps on one repo cost one remote call per round', async () => {
    const published: RenderDecision[] = [];
    const poller = directPoller(published);
    const fleet = apps(100);
    const before = env.git.server.requests.infoRefs;
    const report = await poller.round(fleet, { intervalMs: 120_000 });
    expect(env.git.server.requests.infoRefs - before).toBe(1);
    expect(report.repos).toBe(1);
    expect(published).toHaveLength(100);
    const head = await repo.revParse('main');
    expect(published.every((d) => d.revisions?.[0] === head)).toBe(true);

    // Nothing changed: still one call, no new decisions.
    await poller.round(fleet, { intervalMs: 120_000 });
    expect(env.git.server.requests.infoRefs - before).toBe(2);
    expect(published).toHaveLength(100);

    // A commit: every app gets a decision naming the previous revision.
    const next = await repo.commit({ 'apps/app-1/cm.yaml': 'kind: ConfigMap\n' });
    await poller.round(fleet, { intervalMs: 120_000 });
    expect(published).toHaveLength(200);
    expect(published.at(-1)).toMatchObject({ revisions: [next], previousRevisions: [head] });
  });

  it('a spec edited and put back is decided again with a new id, not dropped as a repeat', async () => {
    const published: RenderDecision[] = [];
    const poller = directPoller(published);
    const first = await repo.revParse('main');
    await repo.tag('edited');
    await repo.commit({ 'apps/app-0/cm.yaml': 'kind: ConfigMap\ndata: {}\n' });
    const main = await repo.revParse('main');
    for (const revision of ['main', 'edited', 'main'])
      await poller.round(apps(1, revision), { intervalMs: 120_000 });
    expect(published.map((d) => d.revisions?.[0])).toEqual([main, first, main]);
    // The bus drops a message whose id it saw within its window: each must be new.
    expect(new Set(published.map((d) => d.id)).size).toBe(3);
  });

  it('two replicas sharing Redis poll each repository once per interval', async () => {
    const redis = () => {
      const r = new Redis(env.redis.url);
      redisClients.push(r);
      return r;
    };
    const published: RenderDecision[] = [];
    const make = (id: string) =>
      new Poller({
        refs: sharedRefs(redis(), id, (u) => git.lsRemote(u)),
        store: redisResolvedStore(redis()),
        publish: async (d) => void published.push(d),
        logger,
      });
    const fleet = apps(20, 'main');
    const before = env.git.server.requests.infoRefs;
    await Promise.all([
      make('a').round(fleet, { intervalMs: 60_000 }),
      make('b').round(fleet, { intervalMs: 60_000 }),
    ]);
    expect(env.git.server.requests.infoRefs - before).toBe(1);
    // Both may publish the same decision; the ids are equal, so JetStream keeps one.
    expect(new Set(published.map((d) => d.id)).size).toBe(20);
  });

  it('overlapping rounds share the listing in flight, even once its claim expired', async () => {
    const r = new Redis(env.redis.url);
    redisClients.push(r);
    let listings = 0;
    let running = 0;
    let most = 0;
    const slow = async (u: string) => {
      listings++;
      most = Math.max(most, ++running);
      // Longer than the claim (90 % of the 100 ms interval): each round used to list again.
      await new Promise((res) => setTimeout(res, 400));
      running--;
      return git.lsRemote(u);
    };
    const poller = new Poller({
      refs: sharedRefs(r, 'overlap', slow, { prefix: `overlap-${Date.now()}:` }),
      store: memoryResolvedStore(),
      publish: async () => undefined,
      logger,
    });
    const rounds: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      rounds.push(poller.round(apps(3), { intervalMs: 100 }));
      await new Promise((res) => setTimeout(res, 50));
    }
    await Promise.all(rounds);
    expect(listings).toBe(1);
    // A fresh round (a webhook) lists at once; those that come during its listing wait for
    // one more that starts after them, shared by all of them.
    const fresh = [1, 2, 3].map(() => poller.round(apps(3), { intervalMs: 100, fresh: true }));
    await Promise.all(fresh);
    expect(listings).toBe(3);
    expect(most).toBe(1);
  });

  it('an idle round reads what was published for all its apps in one Redis call', async () => {
    const r = new Redis(env.redis.url);
    redisClients.push(r);
    const calls = async (cmd: string): Promise<number> => {
      const stats = await r.info('commandstats');
      return Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    };
    const published: RenderDecision[] = [];
    const poller = new Poller({
      refs: directRefs((u) => git.lsRemote(u)),
      store: redisResolvedStore(r, 'flotilla:test:idle-round'),
      publish: async (d) => void published.push(d),
      logger,
    });
    const fleet = apps(50);
    const firstWrites = await calls('hset');
    await poller.round(fleet, { intervalMs: 120_000 });
    expect(published).toHaveLength(50);
    // 50 decisions, and what they published is remembered in one write.
    expect((await calls('hset')) - firstWrites).toBe(1);
    expect(await r.hlen('flotilla:test:idle-round')).toBe(50);
    const [hget, hmget] = [await calls('hget'), await calls('hmget')];
    await poller.round(fleet, { intervalMs: 120_000 });
    expect(published).toHaveLength(50);
    expect((await calls('hmget')) - hmget).toBe(1);
    expect((await calls('hget')) - hget).toBe(0);
  });

  it('a decision whose publish failed is not recorded, and is decided again next round', async () => {
    const published: RenderDecision[] = [];
    let failing = 'app-3';
    const poller = new Poller({
      refs: directRefs((u) => git.lsRemote(u)),
      store: memoryResolvedStore(),
      publish: async (d) => {
        if (d.app.name === failing) throw new Error('bus down');
        published.push(d);
      },
      logger,
    });
    const fleet = apps(10);
    await expect(poller.round(fleet, { intervalMs: 120_000 })).rejects.toThrow('bus down');
    expect(published.map((d) => d.app.name).sort()).toEqual(
      fleet
        .map((a) => a.ref.name)
        .filter((n) => n !== 'app-3')
        .sort(),
    );
    failing = '';
    const report = await poller.round(fleet, { intervalMs: 120_000 });
    expect(report.decisions.map((d) => d.app.name)).toEqual(['app-3']);
  });

  it('an unreachable repository gives one error decision, and a refresh always renders', async () => {
    const published: RenderDecision[] = [];
    const poller = directPoller(published);
    const broken: PolledApp = {
      ref: { namespace: 'flotilla', name: 'broken' },
      sources: [{ repoURL: `${env.git.server.baseUrl}/missing.git`, targetRevision: 'main' }],
    };
    const report = await poller.round([broken], { intervalMs: 1000 });
    expect(report.errors).toHaveLength(1);
    expect(published[0]?.error).toMatch(/missing\.git/);
    await poller.round([broken], { intervalMs: 1000 });
    expect(published).toHaveLength(1);

    const fine = apps(1)[0]!;
    await poller.round([fine], { intervalMs: 1000 });
    await poller.round([{ ...fine, refresh: 'hard' }], { intervalMs: 1000 });
    expect(published.at(-1)).toMatchObject({ refresh: 'hard', reason: 'hard refresh requested' });
  });

  it('a bad revision is reported, then recovers when the branch appears', async () => {
    const published: RenderDecision[] = [];
    const poller = directPoller(published);
    const app = apps(1, 'feature-x')[0]!;
    await poller.round([app], { intervalMs: 1000 });
    expect(published[0]?.error).toMatch(/feature-x/);
    await repo.branch('feature-x');
    await poller.round([app], { intervalMs: 1000 });
    expect(published[1]?.revisions?.[0]).toBe(await repo.revParse('feature-x'));
  });
});
