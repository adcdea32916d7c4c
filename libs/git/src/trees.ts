import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '@flotilla/runtime';

/** A shared, read-only tree of one commit, held until released. */
export interface TreeLease {
  /** Root of the commit's files. Shared by every render of the commit: never write under it. */
  readonly dir: string;
  /** Gives the lease back (once; later calls do nothing). */
  release(): void;
}

/** What {@link TreeStore.gc} removed. */
export interface TreeGcReport {
  readonly trees: number;
  /** Leftovers of interrupted exports or removals. */
  readonly leftovers: number;
}

// Written last, before the rename that publishes an export: a directory
// without it (or with another commit in it) is never used.
const MARKER = 'complete';
// Last use is written to disk at most this often per export, as its mtime.
const TOUCH_EVERY_MS = 60_000;

type Busy = { readonly kind: 'export' | 'remove'; readonly done: Promise<void> };

/**
 * Exports of commits, one per (repository, commit), shared by every render
 * that reads them. An export is written once into a temporary directory,
 * made read-only and published by an atomic rename, so a reader sees a whole
 * tree or none; it never changes afterwards. Concurrent requests for one
 * commit wait for a single export. Leases are counted in memory and the last
 * use is kept as the export's mtime, so {@link gc} removes only exports that
 * no render holds and that were idle long enough (for other processes sharing
 * the directory too).
 */
export class TreeStore {
  /** Exports written by this store. */
  exported = 0;
  private readonly leases = new Map<string, number>();
  private readonly busy = new Map<string, Busy>();
  /** Exports known to be complete, with when their use was last written to disk. */
  private readonly ready = new Map<string, number>();
  private readonly writing = new Set<string>();

  constructor(private readonly root: string) {}

  private base(repoKey: string, sha: string): string {
    return join(this.root, repoKey, sha);
  }

  /**
   * Leases the tree of `sha`, exporting it with `write` first when no
   * complete export exists. `write` must create `dest` and fill it.
   */
  async acquire(
    repoKey: string,
    sha: string,
    write: (dest: string) => Promise<void>,
  ): Promise<TreeLease> {
    const key = `${repoKey}/${sha}`;
    for (;;) {
      if (this.ready.has(key) && !this.busy.has(key)) return this.lease(key, repoKey, sha);
      let op = this.busy.get(key);
      if (!op) {
        op = { kind: 'export', done: this.materialize(key, repoKey, sha, write) };
        this.track(key, op);
      }
      // Waiters share an export's failure; a removal only makes them export again.
      if (op.kind === 'export') await op.done;
      else await op.done.catch(() => undefined);
    }
  }

  private track(key: string, op: Busy): void {
    this.busy.set(key, op);
    const clear = () => {
      if (this.busy.get(key) === op) this.busy.delete(key);
    };
    op.done.then(clear, clear);
  }

  private lease(key: string, repoKey: string, sha: string): TreeLease {
    const base = this.base(repoKey, sha);
    this.leases.set(key, (this.leases.get(key) ?? 0) + 1);
    const now = Date.now();
    if (now - (this.ready.get(key) ?? 0) > TOUCH_EVERY_MS) {
      this.ready.set(key, now);
      const t = new Date(now);
      // A tree removed behind this process's back is exported again next time.
      void utimes(base, t, t).catch(() => {
        if (this.ready.get(key) === now && !this.busy.has(key)) this.ready.delete(key);
      });
    }
    let released = false;
    return {
      dir: join(base, 'tree'),
      release: () => {
        if (released) return;
        released = true;
        const left = (this.leases.get(key) ?? 1) - 1;
        if (left > 0) this.leases.set(key, left);
        else this.leases.delete(key);
      },
    };
  }

  private async complete(base: string, sha: string): Promise<boolean> {
    const marker = await readFile(join(base, MARKER), 'utf8').catch(() => '');
    return marker === `${sha}\n`;
  }

  private async materialize(
    key: string,
    repoKey: string,
    sha: string,
    write: (dest: string) => Promise<void>,
  ): Promise<void> {
    const base = this.base(repoKey, sha);
    // A complete export left by an earlier process (or a replica sharing the directory).
    if (await this.complete(base, sha)) {
      this.ready.set(key, 0);
      return;
    }
    // Anything else at that path is partial or tampered with: set aside, never read.
    await this.discard(repoKey, base);
    await mkdir(join(this.root, repoKey), { recursive: true });
    const tmp = await mkdtemp(join(this.root, repoKey, `.tmp-${sha.slice(0, 12)}-`));
    this.writing.add(tmp);
    try {
      const tree = join(tmp, 'tree');
      await write(tree);
      // Read-only so a tool that tries to write into a shared export fails
      // (chmod -R leaves symlinks met in the walk alone).
      await run('chmod', ['-R', 'a-w', '--', tree]);
      await writeFile(join(tmp, MARKER), `${sha}\n`);
      try {
        await rename(tmp, base);
      } catch (err) {
        // Another process published the same commit first: use theirs.
        if (!(await this.complete(base, sha))) throw err;
        await this.removeDir(tmp);
      }
    } catch (err) {
      await this.removeDir(tmp);
      throw err;
    } finally {
      this.writing.delete(tmp);
    }
    this.exported++;
    this.ready.set(key, Date.now());
  }

  private async discard(repoKey: string, dir: string): Promise<void> {
    const trash = join(
      this.root,
      repoKey,
      `.trash-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    );
    try {
      await rename(dir, trash);
    } catch {
      return; // nothing there
    }
    await this.removeDir(trash);
  }

  private async removeDir(dir: string): Promise<void> {
    // Exports are read-only; a non-root owner needs write access to empty them.
    await run('chmod', ['-R', 'u+w', '--', dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }

  /**
   * Removes exports that no render holds and that were not used for
   * `maxIdleMs`, and leftovers of interrupted exports older than that.
   */
  async gc(maxIdleMs: number): Promise<TreeGcReport> {
    let trees = 0;
    let leftovers = 0;
    const now = Date.now();
    for (const repoKey of await readdir(this.root).catch(() => [] as string[])) {
      const repoDir = join(this.root, repoKey);
      for (const name of await readdir(repoDir).catch(() => [] as string[])) {
        const dir = join(repoDir, name);
        const st = await stat(dir).catch(() => undefined);
        if (!st) continue;
        const key = `${repoKey}/${name}`;
        if (name.startsWith('.')) {
          if (this.writing.has(dir) || now - st.mtimeMs < maxIdleMs) continue;
          await this.removeDir(dir);
          leftovers++;
          continue;
        }
        const lastUse = Math.max(st.mtimeMs, this.ready.get(key) ?? 0);
        if (this.leases.has(key) || this.busy.has(key) || now - lastUse < maxIdleMs) continue;
        this.ready.delete(key);
        const op: Busy = { kind: 'remove', done: this.discard(repoKey, dir) };
        this.track(key, op);
        await op.done;
        trees++;
      }
      // An empty repository directory goes too, unless an export into it is starting.
      const starting = [...this.busy.keys()].some((k) => k.startsWith(`${repoKey}/`));
      if (!starting) await rmdir(repoDir).catch(() => undefined);
    }
    return { trees, leftovers };
  }
}
