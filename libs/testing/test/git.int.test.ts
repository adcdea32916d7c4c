import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, isCommandError } from '@flotilla/runtime';
import { startEnv, type TestEnv } from '../src/index.js';

const auth = { username: 'robot', password: 's3cret-pass' };

describe('Git fixture repos over smart HTTP', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv({ git: { auth } });
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  const withCreds = (url: string) =>
    url.replace('http://', `http://${auth.username}:${auth.password}@`);

  it('serves commits, tags and branches to a real clone', async () => {
    const repo = await env.git.repo('apps');
    const first = await repo.commit({ 'guestbook/cm.yaml': 'kind: ConfigMap\n' }, 'first');
    await repo.tag('v1.0.0');
    await repo.branch('release');
    const second = await repo.commit({ 'guestbook/cm.yaml': 'kind: ConfigMap # v2\n' }, 'second');
    expect(second).not.toBe(first);

    const { stdout } = await run('git', ['ls-remote', withCreds(repo.url)], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    expect(stdout).toContain(`${second}\trefs/heads/main`);
    expect(stdout).toContain(`${first}\trefs/heads/release`);
    expect(stdout).toContain(`${first}\trefs/tags/v1.0.0`);

    const dir = await mkdtemp(join(env.tmpDir, 'clone-'));
    await run('git', ['clone', '--quiet', '--depth=1', withCreds(repo.url), dir]);
    expect(await readFile(join(dir, 'guestbook/cm.yaml'), 'utf8')).toContain('v2');
    expect(env.git.server.requests.uploadPack).toBeGreaterThan(0);
  });

  it('refuses a fetch without credentials', async () => {
    const repo = await env.git.repo('private');
    await repo.commit({ 'a.yaml': 'a: 1\n' });
    const err = await run('git', ['ls-remote', repo.url], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    }).catch((e: unknown) => e);
    expect(isCommandError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(
      /401|Authentication failed|could not read Username/,
    );
  });
});
