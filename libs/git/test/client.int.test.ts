import { existsSync } from 'node:fs';
import { readFile, readlink, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { GitClient, isGitError, resolveRevision, type RepoCredential } from '../src/index.js';

const auth = { username: 'deploy', password: 'correct-horse-battery' };

describe('GitClient against a real smart-HTTP server', () => {
  let env: TestEnv;
  let creds: RepoCredential[] = [];
  let git: GitClient;
  let repoUrl: string;
  let first: string;
  let second: string;

  beforeAll(async () => {
    env = await startEnv({ git: { auth } });
    const repo = await env.git.repo('apps');
    repoUrl = repo.url;
    first = await repo.commit(
      { 'guestbook/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' },
      'first',
    );
    await repo.tag('v1.0.0');
    second = await repo.commit(
      { 'guestbook/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n' },
      'second',
    );
    await repo.tag('v1.1.0');
    creds = [{ urlPrefix: env.git.server.baseUrl, ...auth }];
    git = new GitClient({ cacheDir: join(env.tmpDir, 'cache'), credentials: () => creds });
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  it('lists refs with one remote call and resolves branches, tags and ranges', async () => {
    const before = env.git.server.requests.infoRefs;
    const refs = await git.lsRemote(repoUrl);
    expect(env.git.server.requests.infoRefs - before).toBe(1);
    expect(resolveRevision(refs, 'main')).toBe(second);
    expect(resolveRevision(refs, 'HEAD')).toBe(second);
    expect(resolveRevision(refs, 'v1.0.0')).toBe(first);
    expect(resolveRevision(refs, '~1.0')).toBe(first);
    expect(resolveRevision(refs, '^1.0.0')).toBe(second);
  });

  it('exports a commit once and shares the read-only tree, fetching only once', async () => {
    const a = await git.tree(repoUrl, first);
    expect(await readFile(join(a.dir, 'guestbook/cm.yaml'), 'utf8')).toContain('name: a');
    const fetches = git.stats.fetch;
    const exports = git.stats.exports;
    const again = await git.tree(repoUrl, first.toUpperCase());
    expect(git.stats.fetch).toBe(fetches);
    expect(git.stats.exports).toBe(exports);
    expect(again.dir).toBe(a.dir);
    const b = await git.tree(repoUrl, second);
    expect(await readFile(join(b.dir, 'guestbook/cm.yaml'), 'utf8')).toContain('name: b');
    expect((await stat(join(b.dir, 'guestbook/cm.yaml'))).mode & 0o222).toBe(0);
    expect((await stat(join(b.dir, 'guestbook'))).mode & 0o222).toBe(0);
    for (const l of [a, again, b]) l.release();
  });

  it('keeps symlinks as symlinks (the renderer decides whether they escape)', async () => {
    const repo = await env.git.repo('links');
    const sha = await repo.commit({
      'app/x.yaml': 'a: 1\n',
      'app/passwd.yaml': { symlink: '/etc/passwd' },
    });
    const tree = await git.tree(repo.url, sha);
    expect(await readlink(join(tree.dir, 'app', 'passwd.yaml'))).toBe('/etc/passwd');
    tree.release();
  });

  it('reports bad credentials as AuthFailed without leaking the password', async () => {
    const wrong = new GitClient({
      cacheDir: join(env.tmpDir, 'cache-wrong'),
      credentials: () => [
        { urlPrefix: env.git.server.baseUrl, username: 'deploy', password: 'wrong-password-123' },
      ],
    });
    const err = await wrong.lsRemote(repoUrl).catch((e: unknown) => e);
    expect(isGitError(err, 'AuthFailed')).toBe(true);
    expect(String((err as Error).message)).toContain(
      'the credentials of the matching repository Secret were refused',
    );
    expect(String((err as Error).message)).not.toContain('wrong-password-123');
  });

  it('reports a missing repository and an unreachable server as Unreachable', async () => {
    expect(
      await git
        .lsRemote(`${env.git.server.baseUrl}/nope.git`)
        .catch((e: unknown) => (e as { code: string }).code),
    ).toBe('Unreachable');
    const closed = new GitClient({ cacheDir: join(env.tmpDir, 'c2'), timeoutMs: 10_000 });
    expect(
      await closed
        .lsRemote('http://127.0.0.1:1/repo.git')
        .catch((e: unknown) => (e as { code: string }).code),
    ).toBe('Unreachable');
  });

  it('reports a commit the server does not have as RevisionNotFound', async () => {
    const err = await git.tree(repoUrl, 'f'.repeat(40)).catch((e: unknown) => e);
    expect(isGitError(err)).toBe(true);
    expect((err as { code: string }).code).toMatch(/RevisionNotFound|Failed/);
  });

  it('never runs an injected command', async () => {
    const marker = join(env.tmpDir, 'pwned');
    for (const url of [
      `--upload-pack=touch ${marker}`,
      `ext::sh -c touch% ${marker}`,
      `file://${env.tmpDir}`,
    ]) {
      const err = await git.lsRemote(url).catch((e: unknown) => e);
      expect(isGitError(err, 'RefusedUrl')).toBe(true);
    }
    const err = await git.tree(repoUrl, '--output=/tmp/x').catch((e: unknown) => e);
    expect(isGitError(err, 'BadRevision')).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  it('waits for a fetch of another process to let go of the repository, and removes a lock a killed git left', async () => {
    const c = new GitClient({
      cacheDir: join(env.tmpDir, 'left-lock'),
      credentials: () => creds,
      timeoutMs: 10_000,
    });
    const repo = await env.git.repo('locks');
    const cm = (name: string) => ({ 'cm.yaml': `kind: ConfigMap\nmetadata: {name: ${name}}\n` });
    (await c.tree(repo.url, await repo.commit(cm('a')))).release();
    const lock = join(c.repoDir(repo.url), 'shallow.lock');
    // Younger than the time limit of a fetch: another process's git may hold it, so
    // the fetch waits for it and leaves it alone.
    await writeFile(lock, '');
    let settled = false;
    const waiting = c.tree(repo.url, await repo.commit(cm('b'))).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 1500));
    expect(settled).toBe(false);
    expect(existsSync(lock)).toBe(true);
    await rm(lock); // that git is done
    (await waiting).release();
    // Older than the limit: no git can still hold it (one killed by its timeout, or
    // with its process), and git would refuse every fetch into the repository.
    await writeFile(lock, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const tree = await c.tree(repo.url, await repo.commit(cm('c')));
    expect(await readFile(join(tree.dir, 'cm.yaml'), 'utf8')).toContain('name: c');
    tree.release();
    expect(existsSync(lock)).toBe(false);
  });

  it('garbage-collects repositories and trees that were not used recently', async () => {
    const c = new GitClient({ cacheDir: join(env.tmpDir, 'gc'), credentials: () => creds });
    (await c.tree(repoUrl, first)).release();
    expect(await c.gc(60_000)).toEqual({ repositories: 0, trees: 0 });
    expect(await c.gc(0)).toEqual({ repositories: 1, trees: 1 });
    expect(existsSync(c.repoDir(repoUrl))).toBe(false);
  });
});
