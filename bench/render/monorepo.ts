// Rendering a monorepo: N apps, each one ConfigMap in its own directory of one
// Git repository served over smart HTTP, rendered through AppRenderer (memo
// and manifest cache in a private Redis) at the renderer's concurrency.
// Baseline: the former per-render checkout (under the repository's lock,
// `git cat-file`, `git archive` and `tar -x` of the whole tree into a private
// directory, removed after the render). Flotilla: the shared, read-only
// export of the commit. Every pass starts with empty caches.
//   npx tsx bench/render/monorepo.ts [apps=1000] [baselineRenders=200]
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Application } from '@flotilla/api';
import { GitClient, type TreeLease } from '@flotilla/git';
import { RedisManifestCache, Renderer } from '@flotilla/render';
import { AppRenderer } from '@flotilla/renderer/app-renderer';
import { run, userCacheDir } from '@flotilla/runtime';
import { createGitFixtureRepo, startGitHttpServer, startRedisServer } from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';

const apps = Number(process.argv[2] ?? 1000);
const baselineRenders = Math.min(apps, Number(process.argv[3] ?? 200));
const root = await mkdtemp(join(tmpdir(), 'flotilla-bench-monorepo-'));
const repo = await createGitFixtureRepo(root, 'mono');
const files: Record<string, string> = {};
for (let i = 0; i < apps; i++) {
  files[`apps/app-${i}/cm.yaml`] =
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-${i}\ndata:\n  index: "${i}"\n`;
}
const sha = await repo.commit(files, `${apps} apps`);
await using server = await startGitHttpServer(join(root, 'repos'));
await using redisServer = await startRedisServer();
const redis = new Redis(redisServer.url);
const cacheDir = userCacheDir(process.env);
const helmPath = await resolveTool('helm', { cacheDir });
const kubectlPath = await resolveTool('kubectl', { cacheDir });
const url = `${server.baseUrl}/mono.git`;

/** The former GitClient.checkout, as a lease: one private copy of the whole tree per render. */
class PerRenderCheckout {
  private lock: Promise<unknown> = Promise.resolve();
  readonly removals: Promise<void>[] = [];
  constructor(
    private readonly git: GitClient,
    private readonly workDir: string,
  ) {}
  lsRemote(u: string) {
    return this.git.lsRemote(u);
  }
  async tree(u: string, commit: string): Promise<TreeLease> {
    const bare = this.git.repoDir(u);
    const next = this.lock.then(async () => {
      await run('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: bare });
      const dest = await mkdtemp(join(this.workDir, `${commit.slice(0, 12)}-`));
      const tar = join(dest, '.flotilla-tree.tar');
      await run('git', ['archive', '--format=tar', `--output=${tar}`, commit], { cwd: bare });
      await run('tar', ['-xf', tar, '-C', dest, '--no-same-owner']);
      await rm(tar);
      return dest;
    });
    this.lock = next.catch(() => undefined);
    const dir = await next;
    return {
      dir,
      release: () => void this.removals.push(rm(dir, { recursive: true, force: true })),
    };
  }
}

const application = (i: number): Application => ({
  apiVersion: 'flotilla.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: `app-${i}`, namespace: 'bench' },
  spec: {
    project: 'default',
    source: { repoURL: url, path: `apps/app-${i}`, targetRevision: 'main' },
    destination: { server: 'https://kubernetes.default.svc', namespace: 'bench' },
  },
});

async function pass(
  name: string,
  count: number,
  concurrency: number,
  git: Pick<GitClient, 'lsRemote' | 'tree'>,
  options: { cacheDirectories: boolean; after?: () => Promise<unknown> },
) {
  await redis.flushall();
  const renderer = new AppRenderer({
    git,
    renderer: new Renderer({
      helmPath,
      kubectlPath,
      tmpDir: root,
      cache: new RedisManifestCache({ client: redis }),
      cacheDirectories: options.cacheDirectories,
    }),
    redis,
    memoTtlMs: 3600_000,
    toolKey: name,
  });
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        const r = await renderer.render(application(i), {
          version: 1,
          kind: 'render',
          app: { namespace: 'bench', name: `app-${i}` },
          reason: 'bench',
          revisions: [sha],
        });
        if (r.objects.length !== 1)
          throw new Error(`app-${i} rendered ${r.objects.length} objects`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  await options.after?.();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => (latencies[Math.min(count - 1, Math.floor(count * q))] ?? 0).toFixed(2);
  console.log(
    `${name.padEnd(44)} ${String(count).padStart(5)} renders ${(count / seconds).toFixed(1).padStart(8)} renders/s   p50 ${at(0.5).padStart(8)} ms   p99 ${at(0.99).padStart(8)} ms`,
  );
}

console.log(`${apps} apps in one repository, ${availableParallelism()} cores`);
const shared = new GitClient({ cacheDir: join(root, 'cache-shared') });
const baselineGit = new GitClient({ cacheDir: join(root, 'cache-baseline') });
(await baselineGit.tree(url, sha)).release(); // the fetch, outside the measurement
const baseline = new PerRenderCheckout(baselineGit, await mkdtemp(join(root, 'work-')));
// The baseline is the renderer as it was: per-render checkouts, directory
// renders through the manifest cache, two renders at a time.
await pass('baseline: checkout per render, concurrency 2', baselineRenders, 2, baseline, {
  cacheDirectories: true,
  after: () => Promise.all(baseline.removals),
});
await pass('shared export, concurrency 2', apps, 2, shared, { cacheDirectories: false });
const fresh = new GitClient({ cacheDir: join(root, 'cache-fresh') });
const cores = availableParallelism();
await pass(`shared export, concurrency ${4 * cores} (the default)`, apps, 4 * cores, fresh, {
  cacheDirectories: false,
});
console.log(`shared export: ${shared.stats.fetch} fetch, ${shared.stats.exports} export`);
redis.disconnect();
await rm(root, { recursive: true, force: true });
