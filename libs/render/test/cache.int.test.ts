import { readFile, rm, writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';
import { isRenderError, RedisManifestCache, Renderer, type RenderRequest } from '../src/index.js';
import { compatCopy, tempDir } from './helpers.js';
import { realTools, spyHelm } from './tools.js';

let env: TestEnv;
let tools: { helmPath: string; kubectlPath: string };

beforeAll(async () => {
  env = await startEnv({ redis: true });
  tools = await realTools();
});
afterAll(async () => {
  await env[Symbol.asyncDispose]();
});

function recordingLogger() {
  const warnings: string[] = [];
  return {
    warnings,
    logger: {
      warn: (_o: object, msg?: string) => void warnings.push(msg ?? ''),
      info: () => undefined,
      debug: () => undefined,
    },
  };
}

const request = (repoDir: string, extra: Partial<RenderRequest> = {}): RenderRequest => ({
  appName: 'helm-guestbook',
  namespace: 'demo',
  repoDir,
  revision: '0d521c6e049889134f3122eb32d7ed342f43ca0d',
  source: {
    repoURL: 'https://github.com/argoproj/argocd-example-apps',
    path: 'helm-guestbook',
    helm: { valueFiles: ['values-production.yaml'] },
  },
  ...extra,
});

const templateCalls = async (file: string) =>
  (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l.startsWith('template'))
    .length;

describe('the Redis manifest cache', () => {
  it('serves a hit without running helm, until a hard refresh', async () => {
    const repo = await compatCopy();
    const spy = await spyHelm(await tempDir(), tools.helmPath);
    const { logger, warnings } = recordingLogger();
    const cache = new RedisManifestCache({ url: env.redis.url, logger, ttlMs: 60_000 });
    try {
      const renderer = new Renderer({ ...tools, helmPath: spy.path, cache, logger });
      const first = await renderer.render(request(repo));
      expect(first.cached).toBe(false);
      expect(await templateCalls(spy.calls)).toBe(1);

      // From now on any helm call fails: a hit must not make one.
      await writeFile(spy.fail, '');
      const second = await renderer.render(request(repo));
      expect(second.cached).toBe(true);
      expect(second.hash).toBe(first.hash);
      expect(second.objects).toEqual(first.objects);
      expect(await templateCalls(spy.calls)).toBe(1);

      // A hard refresh skips the read, so it runs helm (which now fails).
      const hard = await renderer
        .render(request(repo, { refresh: 'hard' }))
        .catch((e: unknown) => e);
      expect(isRenderError(hard, 'HelmError')).toBe(true);
      expect(await templateCalls(spy.calls)).toBe(2);
      expect(warnings).toEqual([]);

      // The entry lives in Redis with the configured TTL, and nothing secret is in the key.
      const redis = new Redis(env.redis.url);
      try {
        const keys = await redis.keys('flotilla:manifests:*');
        expect(keys).toHaveLength(1);
        const ttl = await redis.pttl(keys[0]!);
        expect(ttl).toBeGreaterThan(50_000);
        expect(ttl).toBeLessThanOrEqual(60_000);
      } finally {
        redis.disconnect();
      }
    } finally {
      await cache.close();
    }
  });

  it('renders on while Redis is down, logging at warn, and caches again once it is back', async () => {
    const repo = await compatCopy();
    const { logger, warnings } = recordingLogger();
    const cache = new RedisManifestCache({ url: env.redis.url, logger, timeoutMs: 500 });
    const renderer = new Renderer({ ...tools, cache, logger });
    const req = request(repo, { revision: 'redis-outage' });
    try {
      expect((await renderer.render(req)).cached).toBe(false);
      expect((await renderer.render(req)).cached).toBe(true);

      await env.redis.stop();
      const started = Date.now();
      const during = await renderer.render(req);
      expect(during.cached).toBe(false);
      expect(during.objects.length).toBe(2);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(warnings).toContain('manifest cache read failed; rendering without it');
      expect(warnings).toContain('manifest cache write failed');

      await env.redis.restart();
      // Redis kept nothing on disk; once reconnected, the cache fills and serves again.
      await waitFor('the cache to serve again', async () => (await renderer.render(req)).cached, {
        timeoutMs: 20_000,
        intervalMs: 250,
      });
    } finally {
      await cache.close();
    }
  });

  it('a Redis that was never reachable costs only the cache', async () => {
    const repo = await compatCopy();
    const { logger, warnings } = recordingLogger();
    const cache = new RedisManifestCache({
      url: 'redis://user:secret@127.0.0.1:1',
      logger,
      timeoutMs: 300,
    });
    try {
      const result = await new Renderer({ ...tools, cache, logger }).render(request(repo));
      expect(result.cached).toBe(false);
      expect(result.objects.length).toBe(2);
      expect(warnings.length).toBeGreaterThan(0);
    } finally {
      await cache.close();
      await rm(repo, { recursive: true, force: true });
    }
  });
});
