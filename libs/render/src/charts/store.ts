import { createHash } from 'node:crypto';
import {
  access,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { RenderError } from '../errors.js';
import { unpackChart, unpackTree } from './tarball.js';

/** A chart in the store: its unpacked directory and its archive. */
export interface StoredChart {
  readonly digest: string;
  /** The unpacked chart (read only: renders copy what they change). */
  readonly dir: string;
  /** The archive as pulled, for placing under a parent chart's `charts/`. */
  readonly archive: string;
}

/** One entry of the store, as {@link ChartStore.entries} lists it. */
export interface StoreEntry {
  readonly digest: string;
  /** The archive plus what it unpacked to. */
  readonly bytes: number;
  /** When a render last used it (ms since the epoch), as kept on disk. */
  readonly lastUse: number;
}

/** `sha256:<hex>` of a buffer. */
export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

// Last use is written to disk at most this often per entry, as its directory's mtime.
const TOUCH_EVERY_MS = 60_000;

/**
 * Charts by the digest of their archive, unpacked once: renders of the same
 * chart with other values, other apps and other versions pointing at the
 * same archive share one directory. An entry is written into a temporary
 * directory and published by a rename, so a crash never leaves half a chart.
 * Renders hold what they read ({@link hold}); {@link remove} never takes a
 * held entry, and a removal under way is waited for before an entry is read
 * or written again.
 */
export class ChartStore {
  private readonly pending = new Map<string, Promise<StoredChart>>();
  private readonly holds = new Map<string, number>();
  private readonly removing = new Map<string, Promise<void>>();
  /** Last use of each entry this process saw, finer than the mtime kept on disk. */
  private readonly uses = new Map<string, number>();
  /** When each entry's last use was last written to disk. */
  private readonly touched = new Map<string, number>();

  /**
   * `unpack: 'tree'` keeps OCI artifacts (Argo CD's `type: oci`): the
   * archive's root is the tree's root, and links inside it are kept.
   */
  constructor(
    private readonly root: string,
    private readonly unpack: 'chart' | 'tree' = 'chart',
  ) {}

  private paths(digest: string): StoredChart {
    const hex = digest.replace(/^sha256:/, '');
    if (!/^[0-9a-f]{64}$/.test(hex))
      throw new RenderError('InvalidRepository', `bad digest ${JSON.stringify(digest)}`);
    const base = join(this.root, 'sha256', hex);
    return { digest: `sha256:${hex}`, dir: join(base, 'chart'), archive: join(base, 'chart.tgz') };
  }

  /**
   * Keeps `digest` from being removed until the returned function is called
   * (once; later calls do nothing). Take it before {@link get} or
   * {@link put}, and give it back when the render that reads it is done.
   */
  hold(digest: string): () => void {
    const key = this.paths(digest).digest;
    this.holds.set(key, (this.holds.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.holds.get(key) ?? 1) - 1;
      if (left > 0) this.holds.set(key, left);
      else this.holds.delete(key);
    };
  }

  /** True while some render holds `digest`. */
  held(digest: string): boolean {
    return this.holds.has(this.paths(digest).digest);
  }

  /** The stored chart of `digest`, when it is there; counts as a use. */
  async get(digest: string): Promise<StoredChart | undefined> {
    const p = this.paths(digest);
    await this.removing.get(p.digest);
    const base = join(p.dir, '..');
    try {
      await access(join(base, '.complete'));
    } catch {
      return undefined;
    }
    this.used(p.digest, base);
    return p;
  }

  /**
   * Stores an archive after checking it is the one asked for (its digest)
   * and unpacking it safely; concurrent puts of one digest share the work.
   */
  put(digest: string, archive: Buffer, maxBytes: number, what: string): Promise<StoredChart> {
    let p = this.pending.get(digest);
    if (!p) {
      p = this.write(digest, archive, maxBytes, what).finally(() => this.pending.delete(digest));
      this.pending.set(digest, p);
    }
    return p;
  }

  private async write(
    digest: string,
    archive: Buffer,
    maxBytes: number,
    what: string,
  ): Promise<StoredChart> {
    const have = await this.get(digest);
    if (have) return have;
    const actual = sha256(archive);
    const target = this.paths(digest);
    if (actual !== target.digest) {
      throw new RenderError(
        'InvalidRepository',
        `${what} has digest ${actual}, not the ${target.digest} the repository announced`,
      );
    }
    const base = join(target.dir, '..');
    const staging = `${base}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await mkdir(join(staging, 'chart'), { recursive: true });
    try {
      const unpacked = await (this.unpack === 'tree' ? unpackTree : unpackChart)(
        archive,
        join(staging, 'chart'),
        { maxBytes },
        what,
      );
      await writeFile(join(staging, 'chart.tgz'), archive);
      // The size goes with the entry, so a clean-up needs no walk of the tree.
      await writeFile(
        join(staging, '.complete'),
        `${target.digest}\n${archive.length + unpacked.bytes}\n`,
      );
      await rename(staging, base).catch(async (err: unknown) => {
        // Another process stored it first: use theirs.
        if (!(await this.get(digest))) throw err;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    this.used(target.digest, base);
    return target;
  }

  private used(digest: string, base: string): void {
    const now = performance.timeOrigin + performance.now();
    this.uses.set(digest, now);
    if (now - (this.touched.get(digest) ?? 0) <= TOUCH_EVERY_MS) return;
    this.touched.set(digest, now);
    const t = new Date(now);
    void utimes(base, t, t).catch(() => undefined);
  }

  /** Every complete entry, with its size and last use. */
  async entries(): Promise<StoreEntry[]> {
    const dir = join(this.root, 'sha256');
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: StoreEntry[] = [];
    for (const hex of names) {
      if (!/^[0-9a-f]{64}$/.test(hex)) continue;
      const base = join(dir, hex);
      const [marker, st] = await Promise.all([
        readFile(join(base, '.complete'), 'utf8').catch(() => undefined),
        stat(base).catch(() => undefined),
      ]);
      if (marker === undefined || !st) continue;
      const recorded = Number(marker.split('\n')[1]);
      const bytes = Number.isFinite(recorded) && recorded > 0 ? recorded : await treeBytes(base);
      const digest = `sha256:${hex}`;
      out.push({ digest, bytes, lastUse: Math.max(st.mtimeMs, this.uses.get(digest) ?? 0) });
    }
    return out;
  }

  /**
   * Removes what interrupted writes and removals left (`<hex>.tmp-*`,
   * `<hex>.trash-*`) once older than `olderThanMs`, so a crash costs no disk
   * for good; returns how many.
   */
  async removeLeftovers(olderThanMs: number): Promise<number> {
    const dir = join(this.root, 'sha256');
    const now = Date.now();
    let removed = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{64}\.(tmp|trash)-/.test(name)) continue;
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (!st || now - st.mtimeMs < olderThanMs) continue;
      await rm(join(dir, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Removes an entry no render holds: it is renamed aside first, so a reader
   * sees the whole entry or none. False when it is held (or gone already).
   */
  async remove(digest: string): Promise<boolean> {
    const p = this.paths(digest);
    if (this.holds.has(p.digest) || this.pending.has(p.digest) || this.removing.has(p.digest))
      return false;
    const base = join(p.dir, '..');
    const trash = `${base}.trash-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const done = rename(base, trash).then(
      () => true,
      () => false,
    );
    const removal = done.then(() => undefined);
    this.removing.set(p.digest, removal);
    try {
      const moved = await done;
      this.touched.delete(p.digest);
      this.uses.delete(p.digest);
      if (moved) await rm(trash, { recursive: true, force: true });
      return moved;
    } finally {
      this.removing.delete(p.digest);
    }
  }
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(p);
    else total += (await stat(p).catch(() => undefined))?.size ?? 0;
  }
  return total;
}
