// Rendering cost: raw `helm template`, a Flotilla render that misses the
// manifest cache (renders and stores), and one that hits it, on the same chart
// in the same run, with a private Redis.
//   npx tsx bench/render/render.ts [iterations=20]
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisManifestCache, Renderer } from '@flotilla/render';
import { run, userCacheDir } from '@flotilla/runtime';
import { compatDir, startRedisServer } from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';

const iterations = Number(process.argv[2] ?? 20);
const compat = compatDir();
const cacheDir = userCacheDir(process.env);
const helm = await resolveTool('helm', { cacheDir });
const kubectl = await resolveTool('kubectl', { cacheDir });

const repoDir = await mkdtemp(join(tmpdir(), 'flotilla-bench-render-'));
await cp(join(compat, 'helm-guestbook'), join(repoDir, 'helm-guestbook'), { recursive: true });
await using redisServer = await startRedisServer();
const redis = new Redis(redisServer.url);
const renderer = new Renderer({
  helmPath: helm,
  kubectlPath: kubectl,
  cache: new RedisManifestCache({ client: redis }),
});
const source = {
  repoURL: 'https://example.com/apps.git',
  path: 'helm-guestbook',
  targetRevision: 'main',
  helm: { valueFiles: ['values-production.yaml'] },
};
const request = (refresh?: 'hard') => ({
  appName: 'guestbook',
  namespace: 'guestbook',
  source,
  repoDir,
  revision: 'a'.repeat(40),
  ...(refresh ? { refresh } : {}),
});

async function time(name: string, fn: () => Promise<unknown>) {
  await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? 0;
  console.log(
    `${name.padEnd(44)} median ${median.toFixed(2).padStart(8)} ms   p90 ${(samples[Math.floor(samples.length * 0.9)] ?? 0).toFixed(2).padStart(8)} ms`,
  );
  return median;
}

console.log(`helm-guestbook with values-production.yaml, ${iterations} iterations each`);
const raw = await time('raw helm template', () =>
  run(helm, [
    'template',
    'guestbook',
    join(repoDir, 'helm-guestbook'),
    '--namespace',
    'guestbook',
    '--values',
    join(repoDir, 'helm-guestbook', 'values-production.yaml'),
  ]),
);
const miss = await time('flotilla render, cache miss (hard refresh)', () =>
  renderer.render(request('hard')),
);
const hit = await time('flotilla render, cache hit', () => renderer.render(request()));
console.log(
  `cache miss / raw helm: ${(miss / raw).toFixed(2)}x   cache hit / raw helm: ${(hit / raw).toFixed(3)}x (${(raw / hit).toFixed(0)}x faster)`,
);
redis.disconnect();
