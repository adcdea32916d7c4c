import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { GitClient } from '../src/index.js';

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n`;

describe('shared commit trees over a real smart-HTTP server', () => {
  let env: TestEnv;
  let repo: Awaited<ReturnType<TestEnv['git']['repo']>>;
  let first: string;
  let second: string;
  let n = 0;
  const client = () => new GitClient({ cacheDir: join(env.tmpDir, `cache-${n++}`) });

  beforeAll(async () => {
    env = await startEnv({ git: true });
    repo = await env.git.repo('mono');
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`apps/app-${i}/cm.yaml`] = cm(`app-${i}`);
    first = await repo.commit(files, 'first');
    second = await repo.commit({ 'apps/app-0/cm.yaml': cm('changed') }, 'second');
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  it('many concurrent renders of one commit cost one fetch and one export', async () => {
    const git = client();
    const before = env.git.server.requests.infoRefs;
    const leases = await Promise.all(Array.from({ length: 50 }, () => git.tree(repo.url, first)));
    expect(new Set(leases.map((l) => l.dir)).size).toBe(1);
    expect(git.stats.fetch).toBe(1);
    expect(git.stats.exports).toBe(1);
    // Each remote git command starts with one info/refs request: one fetch reached the server.
    expect(env.git.server.requests.infoRefs - before).toBe(1);
    const texts = await Promise.all(
      leases.map((l, i) => readFile(join(l.dir, `apps/app-${i % 20}/cm.yaml`), 'utf8')),
    );
    expect(texts[3]).toContain('name: app-3');
    for (const l of leases) l.release();
  });

  it('a new commit gets a new export while renders of the old one go on', async () => {
    const git = client();
    const old = await git.tree(repo.url, first);
    const next = await git.tree(repo.url, second);
    expect(next.dir).not.toBe(old.dir);
    expect(git.stats.exports).toBe(2);
    expect(await readFile(join(next.dir, 'apps/app-0/cm.yaml'), 'utf8')).toContain('changed');
    expect(await readFile(join(old.dir, 'apps/app-0/cm.yaml'), 'utf8')).toContain('app-0');
    // Even a clean-up that wants everything gone keeps the tree a render holds.
    next.release();
    expect((await git.gc(0)).trees).toBe(1);
    expect(existsSync(next.dir)).toBe(false);
    expect(await readFile(join(old.dir, 'apps/app-1/cm.yaml'), 'utf8')).toContain('app-1');
    old.release();
    expect((await git.gc(0)).trees).toBe(1);
    expect(existsSync(old.dir)).toBe(false);
    // A removed tree is exported again when asked for.
    const again = await git.tree(repo.url, first);
    expect(await readFile(join(again.dir, 'apps/app-1/cm.yaml'), 'utf8')).toContain('app-1');
    expect(git.stats.exports).toBe(3);
    again.release();
  });

  it('keeps trees used within the idle time, held or not', async () => {
    const git = client();
    (await git.tree(repo.url, first)).release();
    expect((await git.gc(60_000)).trees).toBe(0);
    // Another client on the same directory (a restarted renderer) reuses it.
    const other = new GitClient({ cacheDir: join(env.tmpDir, `cache-${n - 1}`) });
    const lease = await other.tree(repo.url, first);
    expect(other.stats.exports).toBe(0);
    expect(other.stats.fetch).toBe(0);
    lease.release();
  });

  it('never uses a partial or tampered export', async () => {
    const cacheDir = join(env.tmpDir, 'tampered');
    const git = new GitClient({ cacheDir });
    const probe = await git.tree(repo.url, first);
    const treesOfRepo = join(probe.dir, '..', '..');
    probe.release();
    await git.gc(0);
    // What a crash in the middle of an export leaves, and a tree without its marker.
    const partial = join(treesOfRepo, `.tmp-${first.slice(0, 12)}-crashed`);
    await mkdir(join(partial, 'tree', 'apps', 'app-1'), { recursive: true });
    await writeFile(join(partial, 'tree', 'apps', 'app-1', 'cm.yaml'), cm('half'));
    await mkdir(join(treesOfRepo, second, 'tree', 'apps', 'app-0'), { recursive: true });
    await writeFile(join(treesOfRepo, second, 'tree', 'apps', 'app-0', 'cm.yaml'), cm('forged'));

    // A restarted renderer on the same cache directory.
    const fresh = new GitClient({ cacheDir });
    const [a, b] = await Promise.all([fresh.tree(repo.url, first), fresh.tree(repo.url, second)]);
    expect(fresh.stats.exports).toBe(2);
    expect(await readFile(join(a.dir, 'apps/app-1/cm.yaml'), 'utf8')).toContain('app-1');
    expect(await readFile(join(b.dir, 'apps/app-0/cm.yaml'), 'utf8')).toContain('changed');
    // The leftover of the interrupted export goes with the next clean-up; held trees stay.
    await fresh.gc(0);
    expect(await readdir(treesOfRepo)).toEqual([first, second].sort());
    a.release();
    b.release();
  });
  it('clients of two processes sharing one cache fetch new commits of one repository at once', async () => {
    // Each client serialises its own fetches; two of them (two roles on one cache)
    // race on the repository's shallow file, which git refuses for the second.
    const commits: string[] = [];
    for (let i = 0; i < 12; i++) commits.push(await repo.commit({ [`race/f${i}`]: String(i) }));
    for (let round = 0; round < 6; round++) {
      const cacheDir = join(env.tmpDir, `shared-${round}`);
      const clients = [new GitClient({ cacheDir }), new GitClient({ cacheDir })];
      const leases = await Promise.all(
        commits.map((sha, i) => clients[i % 2]!.tree(repo.url, sha)),
      );
      for (const l of leases) l.release();
    }
  });
});
