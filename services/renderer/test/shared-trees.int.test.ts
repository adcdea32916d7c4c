import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Application, ApplicationSource } from '@flotilla/api';
import type { RenderCommand } from '@flotilla/contracts';
import { GitClient } from '@flotilla/git';
import { RedisManifestCache, Renderer } from '@flotilla/render';
import { userCacheDir } from '@flotilla/runtime';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { resolveTool } from '@flotilla/toolchain';
import { AppRenderer } from '../src/render-app.js';

const APPS = 30;
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
const deployment = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: {name: web}',
  'spec:',
  '  selector: {matchLabels: {app: web}}',
  '  template:',
  '    metadata: {labels: {app: web}}',
  '    spec: {containers: [{name: web, image: nginx:1.0}]}',
  '',
].join('\n');

/** Paths, modes, contents and link targets of a tree, as one digest. */
async function treeDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = await readdir(dir, { recursive: true });
  for (const rel of entries.sort()) {
    const full = join(dir, rel);
    const st = await lstat(full);
    hash.update(`${rel}\0${st.mode}\0${st.mtimeMs}\0`);
    if (st.isSymbolicLink()) hash.update(await readlink(full));
    else if (st.isFile()) hash.update(await readFile(full));
  }
  return hash.digest('hex');
}

describe('renders of a monorepo share one export of its commit', () => {
  let env: TestEnv;
  let redis: Redis;
  let git: GitClient;
  let apps: AppRenderer;
  let repoUrl: string;
  let sha: string;

  const app = (name: string, source: Partial<ApplicationSource>): Application => ({
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'apps' },
    spec: {
      project: 'default',
      source: { repoURL: repoUrl, targetRevision: 'main', ...source },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'apps' },
    },
  });
  const command = (name: string, revisions?: string[]): RenderCommand => ({
    version: 1,
    kind: 'render',
    app: { namespace: 'apps', name },
    reason: 'test',
    ...(revisions ? { revisions } : {}),
  });

  beforeAll(async () => {
    env = await startEnv({ redis: true, git: true });
    const repo = await env.git.repo('mono');
    repoUrl = repo.url;
    const files: Record<string, string> = {
      'kust/base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'kust/base/deployment.yaml': deployment,
      'kust/overlay/kustomization.yaml': 'resources: [../base]\nnamePrefix: old-\n',
    };
    for (let i = 0; i < APPS; i++) files[`apps/app-${i}/cm.yaml`] = cm(`app-${i}`);
    sha = await repo.commit(files);
    redis = new Redis(env.redis.url);
    const cacheDir = userCacheDir(process.env);
    git = new GitClient({ cacheDir: join(env.tmpDir, 'repos') });
    apps = new AppRenderer({
      git,
      renderer: new Renderer({
        helmPath: await resolveTool('helm', { cacheDir }),
        kubectlPath: await resolveTool('kubectl', { cacheDir }),
        tmpDir: env.tmpDir,
        cache: new RedisManifestCache({ client: redis }),
      }),
      redis,
      memoTtlMs: 60_000,
      toolKey: 'test',
    });
  });
  afterAll(async () => {
    redis?.disconnect();
    await env?.[Symbol.asyncDispose]();
  });

  it('many apps of one commit rendered at once cost one fetch and one export', async () => {
    const before = env.git.server.requests.infoRefs;
    const results = await Promise.all(
      Array.from({ length: APPS }, (_, i) =>
        apps.render(app(`app-${i}`, { path: `apps/app-${i}` }), command(`app-${i}`, [sha])),
      ),
    );
    results.forEach((r, i) => {
      expect(r.via).toBe('rendered');
      expect(r.objects.map((o) => (o['metadata'] as { name: string }).name)).toEqual([`app-${i}`]);
    });
    expect(git.stats.fetch).toBe(1);
    expect(git.stats.exports).toBe(1);
    expect(git.stats.lsRemote).toBe(0);
    expect(env.git.server.requests.infoRefs - before).toBe(1);
  });

  it('apps whose commands carry no revisions share one listing of the refs', async () => {
    const listed = git.stats.lsRemote;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        apps.render(app(`app-${i}`, { path: `apps/app-${i}` }), command(`app-${i}`)),
      ),
    );
    expect(results.every((r) => r.revisions[0] === sha && r.via === 'memo')).toBe(true);
    expect(git.stats.lsRemote - listed).toBe(1);
  });

  it('a kustomize render with options leaves the shared export as it was', async () => {
    const lease = await git.tree(repoUrl, sha);
    const before = await treeDigest(lease.dir);
    const result = await apps.render(
      app('kust', {
        path: 'kust/overlay',
        kustomize: { namePrefix: 'new-', images: ['nginx=registry.example.com/nginx:2.0'] },
      }),
      command('kust', [sha]),
    );
    const objects = result.objects as {
      metadata: { name: string };
      spec: { template: { spec: { containers: { image: string }[] } } };
    }[];
    expect(objects.map((o) => o.metadata.name)).toEqual(['new-web']);
    expect(objects[0]!.spec.template.spec.containers[0]!.image).toBe(
      'registry.example.com/nginx:2.0',
    );
    expect(await treeDigest(lease.dir)).toBe(before);
    expect(await readFile(join(lease.dir, 'kust/overlay/kustomization.yaml'), 'utf8')).toContain(
      'namePrefix: old-',
    );
    expect(git.stats.exports).toBe(1);
    lease.release();
  });
});
