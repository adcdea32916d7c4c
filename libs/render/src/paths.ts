import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RenderError } from './errors.js';

/** True when `p` is `root` or below it (both absolute and normalised). */
export function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** `p` relative to `root` with `/` separators, for messages and glob matching. */
export function repoRelative(root: string, p: string): string {
  return relative(root, p).split(sep).join('/') || '.';
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A source's directory, resolved safely inside its checkout. */
export interface AppDir {
  /** Real path of the checkout. */
  readonly root: string;
  /** Real path of the app directory (the chart, kustomization or manifests). */
  readonly dir: string;
  /** The app path as given, relative to the checkout (`.` for the root). */
  readonly path: string;
}

/**
 * Resolves a source's `path` inside its checkout. Absolute paths, `..` that
 * climbs out, and symlinks whose target is outside are refused, as Argo CD's
 * `util/app/path` does.
 */
export async function resolveAppDir(repoDir: string, path: string | undefined): Promise<AppDir> {
  let root: string;
  try {
    root = await realpath(repoDir);
  } catch (cause) {
    throw new RenderError('PathNotFound', 'the checkout directory does not exist', { cause });
  }
  const given = path === undefined || path === '' ? '.' : path;
  if (isAbsolute(given)) {
    throw new RenderError('PathEscape', `app path ${JSON.stringify(given)} is absolute`);
  }
  const lexical = resolve(root, given);
  if (!isInside(root, lexical)) {
    throw new RenderError(
      'PathEscape',
      `app path ${JSON.stringify(given)} is outside the repository`,
    );
  }
  let dir: string;
  try {
    dir = await realpath(lexical);
  } catch (cause) {
    if (!isNotFound(cause)) throw cause;
    throw new RenderError('PathNotFound', `app path ${JSON.stringify(given)} does not exist`, {
      cause,
    });
  }
  if (!isInside(root, dir)) {
    throw new RenderError(
      'PathEscape',
      `app path ${JSON.stringify(given)} is a symlink to a directory outside the repository`,
    );
  }
  if (!(await stat(dir)).isDirectory()) {
    throw new RenderError('PathNotFound', `app path ${JSON.stringify(given)} is not a directory`);
  }
  return { root, dir, path: repoRelative(root, dir) };
}

/**
 * Resolves a file a source names (a value file, a `--set-file` file) the way
 * Argo CD does: relative paths from `base`, absolute paths from `root`. The
 * result, symlinks followed, must stay inside `root` (CVE-2022-24348).
 * Returns `undefined` when the file does not exist.
 */
export async function resolveRepoFile(
  root: string,
  base: string,
  requested: string,
  what: string,
): Promise<string | undefined> {
  const lexical = isAbsolute(requested) ? join(root, requested) : resolve(base, requested);
  if (!isInside(root, lexical)) {
    throw new RenderError(
      'PathEscape',
      `${what} ${JSON.stringify(requested)} is outside the repository`,
      { file: requested },
    );
  }
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (cause) {
    if (isNotFound(cause)) return undefined;
    throw cause;
  }
  if (!isInside(root, real)) {
    throw new RenderError(
      'PathEscape',
      `${what} ${JSON.stringify(requested)} is a symlink to a file outside the repository`,
      { file: requested },
    );
  }
  return real;
}

/**
 * Refuses a tree holding a symlink whose target is outside `root`, as Argo CD
 * checks a checkout before rendering: Helm and kustomize follow symlinks, so
 * one such link could read any file the renderer can. Dangling links are
 * harmless and ignored; `.git` is skipped.
 */
export async function checkSymlinks(root: string, dir: string): Promise<void> {
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git') pending.push(full);
      } else if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(full);
        } catch (err) {
          if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'ELOOP') continue;
          throw err;
        }
        if (!isInside(root, target)) {
          throw new RenderError(
            'PathEscape',
            `${repoRelative(root, full)} is a symlink to a path outside the repository`,
            { file: repoRelative(root, full) },
          );
        }
      }
    }
  }
}

/** True when `p` exists (without following a final symlink). */
export async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
