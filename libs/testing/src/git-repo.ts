import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from '@flotilla/runtime';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Flotilla Test',
  GIT_AUTHOR_EMAIL: 'test@flotilla.invalid',
  GIT_COMMITTER_NAME: 'Flotilla Test',
  GIT_COMMITTER_EMAIL: 'test@flotilla.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** Files to write (string content), delete (null) or make symlinks, by repo-relative path. */
export type FileChanges = Readonly<Record<string, string | null | { readonly symlink: string }>>;

/** A bare fixture repository with a work clone used to make commits. */
export interface GitFixtureRepo {
  readonly name: string;
  readonly bareDir: string;
  /** `file://` URL of the bare repo. */
  readonly fileUrl: string;
  /** Writes/deletes files, commits on `branch` (default main) and pushes; returns the new SHA. */
  commit(changes: FileChanges, message?: string, branch?: string): Promise<string>;
  /** Copies a directory (e.g. a compat example) into the repo at `dest` and commits it. */
  commitDir(srcDir: string, dest: string, message?: string): Promise<string>;
  /** Creates a lightweight tag at `ref` (default HEAD of main) and pushes it. */
  tag(name: string, ref?: string): Promise<void>;
  /** Creates branch `name` from `from` (default main) and pushes it. */
  branch(name: string, from?: string): Promise<void>;
  /** Resolves a ref in the bare repo to a SHA. */
  revParse(ref: string): Promise<string>;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: { ...process.env, ...GIT_ENV } });
  return stdout.trim();
}

/**
 * Creates `<root>/repos/<name>.git` (bare, default branch main) with a work
 * clone under `<root>/work`; deleting `root` removes both.
 */
export async function createGitFixtureRepo(root: string, name: string): Promise<GitFixtureRepo> {
  const bareDir = join(root, 'repos', `${name}.git`);
  await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', bareDir]);
  await git(bareDir, 'config', 'http.receivepack', 'false');
  await git(bareDir, 'config', 'uploadpack.allowFilter', 'true');
  await git(bareDir, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
  await mkdir(join(root, 'work'), { recursive: true });
  const work = await mkdtemp(join(root, 'work', `${name}-`));
  await git(work, 'init', '--quiet', '--initial-branch=main');
  await git(work, 'remote', 'add', 'origin', bareDir);
  let current = 'main';

  const checkout = async (branch: string) => {
    if (branch === current) return;
    const exists = await git(work, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`).then(
      () => true,
      () => false,
    );
    await git(work, 'checkout', '--quiet', ...(exists ? [branch] : ['-b', branch]));
    current = branch;
  };

  const commitAll = async (message: string, branch: string) => {
    await git(work, 'add', '-A');
    await git(work, 'commit', '--quiet', '--allow-empty', '-m', message);
    await git(work, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
    return git(work, 'rev-parse', 'HEAD');
  };

  return {
    name,
    bareDir,
    fileUrl: `file://${bareDir}`,
    async commit(changes, message = 'update', branch = 'main') {
      await checkout(branch);
      for (const [path, content] of Object.entries(changes)) {
        const file = join(work, path);
        await rm(file, { recursive: true, force: true });
        if (content === null) continue;
        await mkdir(dirname(file), { recursive: true });
        if (typeof content === 'string') await writeFile(file, content);
        else await symlink(content.symlink, file);
      }
      return commitAll(message, branch);
    },
    async commitDir(srcDir, dest, message = `add ${dest}`) {
      await checkout('main');
      await cp(srcDir, join(work, dest), { recursive: true });
      return commitAll(message, 'main');
    },
    async tag(tagName, ref = 'main') {
      await git(work, 'tag', tagName, ref);
      await git(work, 'push', '--quiet', 'origin', `refs/tags/${tagName}`);
    },
    async branch(branchName, from = 'main') {
      await git(work, 'branch', branchName, from);
      await git(work, 'push', '--quiet', 'origin', `refs/heads/${branchName}`);
    },
    revParse(ref) {
      return git(bareDir, 'rev-parse', ref);
    },
  };
}
