import { createHash } from 'node:crypto';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
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

/** `sha256:<hex>` of a buffer. */
export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * Charts by the digest of their archive, unpacked once: renders of the same
 * chart with other values, other apps and other versions pointing at the
 * same archive share one directory. An entry is written into a temporary
 * directory and published by a rename, so a crash never leaves half a chart.
 */
export class ChartStore {
  private readonly pending = new Map<string, Promise<StoredChart>>();

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

  /** The stored chart of `digest`, when it is there. */
  async get(digest: string): Promise<StoredChart | undefined> {
    const p = this.paths(digest);
    try {
      await access(join(p.dir, '..', '.complete'));
      return p;
    } catch {
      return undefined;
    }
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
      await (this.unpack === 'tree' ? unpackTree : unpackChart)(
        archive,
        join(staging, 'chart'),
        { maxBytes },
        what,
      );
      await writeFile(join(staging, 'chart.tgz'), archive);
      await writeFile(join(staging, '.complete'), `${digest}\n`);
      await rename(staging, base).catch(async (err: unknown) => {
        // Another process stored it first: use theirs.
        if (!(await this.get(digest))) throw err;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return target;
  }
}
