import { posix } from 'node:path';
import picomatch from 'picomatch';
import { parse } from 'yaml';
import { flatten, goString, isObject, sanitizeName, type Params } from '../params.js';
import type { GitTreeView } from './context.js';

type Item = { path: string; exclude?: boolean };
type GitSpec = {
  repoURL: string;
  revision?: string;
  directories?: Item[];
  files?: Item[];
  pathParamPrefix?: string;
};

/** A Git generator path that leads outside the repository. */
export class PathEscapeError extends Error {
  override readonly name = 'PathEscapeError';
}

/** Refuses absolute patterns and `..` segments: a generator reads only its repository. */
export function checkRepoPath(pattern: string): void {
  const segments = pattern.split('/');
  if (pattern.startsWith('/') || segments.includes('..') || /^[A-Za-z]:/.test(pattern))
    throw new PathEscapeError(`path ${JSON.stringify(pattern)} escapes the repository`);
}

// Go's path.Match: `*` and `?` stop at `/`, [classes], no braces or globstar.
function goPathMatcher(pattern: string): (p: string) => boolean {
  return picomatch(pattern, {
    dot: true,
    nobrace: true,
    noextglob: true,
    nonegate: true,
    noglobstar: true,
  });
}

// git ls-files pathspecs: wildcards also match `/`; a plain path matches
// itself and everything under it.
const SLASH = '\uE000';
function pathspecMatcher(pattern: string): (p: string) => boolean {
  const clean = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.') return () => true;
  if (!/[*?[]/.test(clean)) return (p) => p === clean || p.startsWith(`${clean}/`);
  const m = picomatch(clean.split('/').join(SLASH), {
    dot: true,
    nobrace: true,
    noextglob: true,
    nonegate: true,
  });
  return (p) => m(p.split('/').join(SLASH));
}

/** Directories matching an include pattern and no exclude pattern, as Argo CD's filterApps. */
export function filterDirectories(items: readonly Item[], all: readonly string[]): string[] {
  for (const i of items) checkRepoPath(i.path);
  const compiled = items.map((i) => ({
    match: goPathMatcher(i.path),
    exclude: i.exclude === true,
  }));
  return all.filter((d) => {
    const hits = compiled.filter((c) => c.match(d));
    return hits.some((c) => !c.exclude) && !hits.some((c) => c.exclude);
  });
}

/** Files matching an include pattern and no exclude pattern, sorted. */
export function filterFiles(items: readonly Item[], all: readonly string[]): string[] {
  for (const i of items) checkRepoPath(i.path);
  const inc = items.filter((i) => !i.exclude).map((i) => pathspecMatcher(i.path));
  const exc = items.filter((i) => i.exclude).map((i) => pathspecMatcher(i.path));
  return all.filter((f) => inc.some((m) => m(f)) && !exc.some((m) => m(f))).sort();
}

function pathParams(
  dir: string,
  file: string | undefined,
  prefix: string | undefined,
  goTemplate: boolean,
): Params {
  const base = posix.basename(dir);
  if (goTemplate) {
    const path: Params = {
      path: dir,
      basename: base,
      basenameNormalized: sanitizeName(base),
      segments: dir.split('/'),
    };
    if (file !== undefined) {
      path['filename'] = posix.basename(file);
      path['filenameNormalized'] = sanitizeName(posix.basename(file));
    }
    return prefix ? { [prefix]: { path } } : { path };
  }
  const name = prefix ? `${prefix}.path` : 'path';
  const out: Params = {
    [name]: dir,
    [`${name}.basename`]: base,
    [`${name}.basenameNormalized`]: sanitizeName(base),
  };
  if (file !== undefined) {
    out[`${name}.filename`] = posix.basename(file);
    out[`${name}.filenameNormalized`] = sanitizeName(posix.basename(file));
  }
  dir.split('/').forEach((s, i) => {
    if (s !== '') out[`${name}[${i}]`] = s;
  });
  return out;
}

/** Parameter sets of a Git generator with `directories`. */
export function gitDirectoryParams(
  spec: GitSpec,
  tree: GitTreeView,
  goTemplate: boolean,
): Params[] {
  return filterDirectories(spec.directories ?? [], tree.directories).map((d) =>
    pathParams(d, undefined, spec.pathParamPrefix, goTemplate),
  );
}

/** Parses a generator file: one object, or a list of objects (JSON is YAML). */
export function parseGitFile(path: string, text: string): Params[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(
      `unable to process file '${path}': unable to parse file: ${(e as Error).message}`,
    );
  }
  if (doc === null || doc === undefined) return [{}];
  if (isObject(doc)) return [doc];
  if (Array.isArray(doc) && doc.every(isObject)) return doc;
  throw new Error(`unable to process file '${path}': not an object or a list of objects`);
}

/** Parameter sets of a Git generator with `files`: each object of each file, with path params. */
export async function gitFileParams(
  spec: GitSpec,
  tree: GitTreeView,
  goTemplate: boolean,
): Promise<Params[]> {
  const out: Params[] = [];
  for (const file of filterFiles(spec.files ?? [], tree.files)) {
    for (const obj of parseGitFile(file, await tree.read(file))) {
      const dir = posix.dirname(file);
      const own: Params = goTemplate
        ? { ...obj }
        : Object.fromEntries(Object.entries(flatten(obj)).map(([k, v]) => [k, goString(v)]));
      out.push({ ...own, ...pathParams(dir, file, spec.pathParamPrefix, goTemplate) });
    }
  }
  return out;
}
