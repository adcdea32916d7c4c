import { existsSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
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

  it('checks out a commit into a fresh directory, fetching only once', async () => {
    const out = join(env.tmpDir, 'work');
    const a = await git.checkout(repoUrl, first, out);
    expect(await readFile(join(a, 'guestbook/cm.yaml'), 'utf8')).toContain('name: a');
    const fetches = git.stats.fetch;
    const again = await git.checkout(repoUrl, first, out);
    expect(git.stats.fetch).toBe(fetches);
    expect(again).not.toBe(a);
    const b = await git.checkout(repoUrl, second, out);
    expect(await readFile(join(b, 'guestbook/cm.yaml'), 'utf8')).toContain('name: b');
  });

  it('keeps symlinks as symlinks (the renderer decides whether they escape)', async () => {
    const repo = await env.git.repo('links');
    const sha = await repo.commit({
      'app/x.yaml': 'a: 1\n',
      'app/passwd.yaml': { symlink: '/etc/passwd' },
    });
    const dir = await git.checkout(repo.url, sha, join(env.tmpDir, 'work2'));
    expect(await readlink(join(dir, 'app', 'passwd.yaml'))).toBe('/etc/passwd');
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
    const err = await git
      .checkout(repoUrl, 'f'.repeat(40), join(env.tmpDir, 'w3'))
      .catch((e: unknown) => e);
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
    const err = await git
      .checkout(repoUrl, '--output=/tmp/x', join(env.tmpDir, 'w4'))
      .catch((e: unknown) => e);
    expect(isGitError(err, 'BadRevision')).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  it('garbage-collects repositories that were not used recently', async () => {
    const c = new GitClient({ cacheDir: join(env.tmpDir, 'gc'), credentials: () => creds });
    await c.checkout(repoUrl, first, join(env.tmpDir, 'w5'));
    expect(await c.gc(60_000)).toBe(0);
    expect(await c.gc(0)).toBe(1);
    expect(existsSync(c.repoDir(repoUrl))).toBe(false);
  });
});
