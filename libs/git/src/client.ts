import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';
import { appMetrics, metrics, run, isCommandError } from '@flotilla/runtime';
import { prepareAuth } from './auth.js';
import { matchCredential, type RepoCredential } from './credentials.js';
import { classifyGitFailure, GitError, type GitErrorCode } from './errors.js';
import { parseLsRemote, isCommitSha, type RemoteRefs } from './revision.js';
import { TreeStore, type TreeLease } from './trees.js';
import { checkRepoUrl, normalizeRepoUrl, redact, stripCredentials, type UrlPolicy } from './url.js';

/** The cache directory's subdirectory holding commit exports. */
const TREES_DIR = 'trees';

/** Options for {@link GitClient}; see {@link compileGitOptions} for defaults. */
export interface GitOptions extends UrlPolicy {
  /** Where fetched repositories are cached, one directory per repository, and their commits' trees. */
  readonly cacheDir: string;
  /** Credentials to choose from, by URL prefix. */
  readonly credentials?: () => readonly RepoCredential[];
  /** Limit for one remote call; 60 s unless set. */
  readonly timeoutMs?: number;
}

/** Counters for metrics and tests. */
export interface GitStats {
  /** Calls that reached a remote (ls-remote, fetch). */
  remoteCalls: number;
  lsRemote: number;
  fetch: number;
  /** Commit trees written (one per repository and commit while kept). */
  exports: number;
}

/**
 * Runs git against remotes safely: URLs and revisions are checked first,
 * arguments pass as data after `--`, credentials never reach a command line
 * or an error message, and `ext::`/`file://` transports are disabled unless
 * local repositories are allowed.
 */
export class GitClient {
  readonly stats: GitStats = { remoteCalls: 0, lsRemote: 0, fetch: 0, exports: 0 };
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly timeoutMs: number;
  private readonly trees: TreeStore;

  constructor(private readonly options: GitOptions) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.trees = new TreeStore(join(options.cacheDir, TREES_DIR));
  }

  /** Directory holding the cached clone of `repoUrl`. */
  repoDir(repoUrl: string): string {
    return join(
      this.options.cacheDir,
      createHash('sha256').update(normalizeRepoUrl(repoUrl)).digest('hex').slice(0, 32),
    );
  }

  private async git(repoUrl: string, args: string[], cwd?: string): Promise<string> {
    const labels = { host: repoHost(repoUrl), op: args[0] ?? 'git' };
    const end = appMetrics.gitSeconds.startTimer(labels);
    try {
      const out = await this.gitCall(repoUrl, args, cwd);
      appMetrics.gitRequests.inc({ ...labels, outcome: 'ok' });
      return out;
    } catch (err) {
      const code = err instanceof GitError ? err.code : 'Failed';
      appMetrics.gitRequests.inc({ ...labels, outcome: code });
      throw err;
    } finally {
      end();
    }
  }

  private async gitCall(repoUrl: string, args: string[], cwd?: string): Promise<string> {
    const cred = matchCredential(repoUrl, this.options.credentials?.() ?? []);
    const auth = await prepareAuth(cred);
    try {
      const { stdout } = await run(
        'git',
        [
          '-c',
          `protocol.file.allow=${this.options.allowLocal ? 'always' : 'never'}`,
          '-c',
          'protocol.ext.allow=never',
          '-c',
          'credential.helper=',
          '-c',
          'core.askPass=',
          ...auth.args,
          ...args,
        ],
        {
          cwd,
          timeoutMs: this.timeoutMs,
          env: {
            PATH: process.env['PATH'] ?? '/usr/bin:/bin',
            HOME: this.options.cacheDir,
            GIT_TERMINAL_PROMPT: '0',
            GIT_CONFIG_NOSYSTEM: '1',
            GIT_CONFIG_GLOBAL: '/dev/null',
            GIT_PROTOCOL: 'version=2',
            ...auth.env,
          },
        },
      );
      return stdout;
    } catch (err) {
      const shown = stripCredentials(repoUrl);
      if (isCommandError(err)) {
        // git's own verdict (`fatal:`/`error:` lines) when it gave one, not the advice after it.
        const lines = err.stderr.trim().split('\n');
        const verdict = lines.filter((l) => /^(fatal|error):/.test(l));
        const detail = redact(
          (verdict.length > 0 ? verdict : lines).slice(-3).join(' '),
          auth.secrets,
        );
        const code: GitErrorCode = err.timedOut ? 'Timeout' : classifyGitFailure(err.stderr);
        // What the user can do about it, worded as for chart repositories.
        const hint =
          code !== 'AuthFailed'
            ? ''
            : cred
              ? 'the credentials of the matching repository Secret were refused: '
              : 'credentials are required and no repository Secret matches this URL: ';
        throw new GitError(
          code,
          `git ${args[0]} ${shown}: ${hint}${detail || err.message}`,
          shown,
          { cause: err },
        );
      }
      throw new GitError(
        'Failed',
        `git ${args[0]} ${shown}: ${redact((err as Error).message, auth.secrets)}`,
        shown,
      );
    } finally {
      await auth.dispose();
    }
  }

  /** Lists the remote's refs with one network call. */
  async lsRemote(repoUrl: string): Promise<RemoteRefs> {
    checkRepoUrl(repoUrl, this.options);
    this.stats.remoteCalls++;
    this.stats.lsRemote++;
    metrics.gitCalls.inc({ op: 'ls-remote' });
    return parseLsRemote(await this.git(repoUrl, ['ls-remote', '--', repoUrl]));
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.locks.set(key, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === next) this.locks.delete(key);
    }
  }

  // Local git work on a cached bare repository (no remote, no credentials).
  // GIT_DIR keeps git from looking for a repository above a missing one.
  private async local(args: string[], cwd: string): Promise<void> {
    await run('git', args, {
      cwd,
      timeoutMs: this.timeoutMs,
      env: {
        GIT_DIR: cwd,
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: this.options.cacheDir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
      },
    });
  }

  private hasCommit(dir: string, sha: string): Promise<boolean> {
    return this.local(['cat-file', '-e', `${sha}^{commit}`], dir).then(
      () => true,
      () => false,
    );
  }

  /**
   * Makes sure commit `sha` is in the repository's cache, with a shallow
   * fetch of just that commit when it is missing. Fetches of one repository
   * are serialised; a commit already present never waits for them.
   */
  private async ensureCommit(repoUrl: string, sha: string, dir: string): Promise<void> {
    if (await this.hasCommit(dir, sha)) return;
    await this.withLock(dir, async () => {
      // Another fetch may have brought it while this one waited.
      if (await this.hasCommit(dir, sha)) return;
      await mkdir(dir, { recursive: true });
      await run('git', ['init', '--quiet', '--bare', dir]).catch(() => undefined);
      this.stats.remoteCalls++;
      this.stats.fetch++;
      metrics.gitCalls.inc({ op: 'fetch' });
      // The lock is this client's: another process (or another role's client in
      // `flotilla up`) sharing the cache may fetch into the same repository at
      // once, and git then refuses the second shallow update. Fetching again is
      // safe; a live fetch ends within its time limit, after which its lock is a
      // leftover and goes, so the wait is bounded by that limit.
      const giveUpAt = Date.now() + 2 * this.timeoutMs;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.git(
            repoUrl,
            ['fetch', '--quiet', '--depth=1', '--no-tags', '--', repoUrl, sha],
            dir,
          );
          return;
        } catch (err) {
          const said = `${(err as Error).message} ${String((err as { cause?: { stderr?: unknown } }).cause?.stderr ?? '')}`;
          if (!CONCURRENT_FETCH.test(said)) throw err;
          if (await this.removeLeftLock(said, dir)) continue;
          if (Date.now() >= giveUpAt)
            throw err instanceof GitError && LEFT_LOCK.test(said)
              ? new GitError(
                  err.code,
                  `${err.message} (held by another fetch for more than ${Math.round(this.timeoutMs / 1000)} s)`,
                  err.repo,
                  { cause: err },
                )
              : err;
          await new Promise((r) =>
            setTimeout(r, Math.min(1000, 100 * attempt) + Math.random() * 200),
          );
          if (await this.hasCommit(dir, sha)) return;
        }
      }
    });
  }

  /**
   * Removes a lock file that git named in `said` as in the way, when no git
   * can still hold it: a fetch killed by its timeout, or by the end of its
   * process, leaves `shallow.lock` behind, and git then refuses every later
   * fetch into that repository. A lock older than the time limit of a remote
   * call is such a leftover; a younger one may be a live fetch's. True when
   * one was removed.
   */
  private async removeLeftLock(said: string, dir: string): Promise<boolean> {
    const lock = LEFT_LOCK.exec(said)?.[1];
    if (!lock || relative(dir, lock).startsWith('..') || isAbsolute(relative(dir, lock)))
      return false;
    const st = await stat(lock).catch(() => undefined);
    if (!st || Date.now() - st.mtimeMs <= this.timeoutMs) return false;
    await rm(lock, { force: true });
    return true;
  }

  /**
   * Leases the read-only tree of commit `sha` of `repoUrl`: one export per
   * (repository, commit), written once and shared by every caller until
   * garbage-collected (see {@link TreeStore}). Concurrent calls for one
   * commit share one fetch and one export. Release the lease when done.
   */
  async tree(repoUrl: string, sha: string): Promise<TreeLease> {
    checkRepoUrl(repoUrl, this.options);
    if (!isCommitSha(sha))
      throw new GitError(
        'BadRevision',
        `a tree needs a resolved commit SHA, got ${JSON.stringify(sha)}`,
      );
    const commit = sha.toLowerCase();
    const dir = this.repoDir(repoUrl);
    return this.trees.acquire(basename(dir), commit, async (dest) => {
      await this.ensureCommit(repoUrl, commit, dir);
      const now = new Date();
      await utimes(dir, now, now);
      await mkdir(dest);
      const tar = `${dest}.tar`;
      await this.local(['archive', '--format=tar', `--output=${tar}`, commit], dir);
      await run('tar', ['-xf', tar, '-C', dest, '--no-same-owner']);
      await rm(tar);
      this.stats.exports++;
    });
  }

  /**
   * Removes trees no caller holds and repositories, both unused for
   * `maxIdleMs`; returns how many of each went.
   */
  async gc(maxIdleMs: number): Promise<{ repositories: number; trees: number }> {
    const { trees } = await this.trees.gc(maxIdleMs);
    let repositories = 0;
    const entries = await readdir(this.options.cacheDir).catch(() => [] as string[]);
    for (const name of entries) {
      if (name === TREES_DIR) continue;
      const dir = join(this.options.cacheDir, name);
      const st = await stat(dir).catch(() => undefined);
      if (!st?.isDirectory() || Date.now() - st.mtimeMs < maxIdleMs || this.locks.has(dir))
        continue;
      await rm(dir, { recursive: true, force: true });
      repositories++;
    }
    return { repositories, trees };
  }
}

/** What git says when a lock file is in its way: another git's, or one a killed git left. */
const LEFT_LOCK = /Unable to create '([^']+\.lock)': File exists/;

/** What git says when another fetch updated the same repository at the same moment. */
const CONCURRENT_FETCH =
  /shallow file has changed since we read it|shallow\.lock|\.lock'?: File exists|cannot lock ref/i;

/** The host of a repository URL (https, ssh or scp-like), `local` for paths, for metric labels. */
function repoHost(repoUrl: string): string {
  try {
    const u = new URL(repoUrl);
    return u.protocol === 'file:' ? 'local' : u.hostname || 'local';
  } catch {
    const scp = /^[^@/]+@([^:/]+):/.exec(repoUrl);
    return scp?.[1] ?? 'local';
  }
}
