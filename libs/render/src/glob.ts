import picomatch from 'picomatch';

// Argo CD matches `directory.include`/`exclude` with gobwas/glob and no
// separators, so `*` also crosses `/`: `*.yaml` matches `sub/a.yaml`. Here
// `/` is swapped for a character no path or glob uses, which gives picomatch
// the same reading while keeping its braces, classes and `?`.
const SLASH = '\uE000';

/** A compiled include/exclude pair over paths relative to the app directory. */
export type PathFilter = (relPath: string) => boolean;

function compile(pattern: string): (p: string) => boolean {
  const matcher = picomatch(pattern.split('/').join(SLASH), {
    dot: true,
    nonegate: true,
    noextglob: true,
  });
  return (p) => matcher(p.split('/').join(SLASH));
}

/**
 * Compiles a directory source's `include` and `exclude` globs, with Argo CD's
 * semantics: paths are relative to the app path with `/` separators, `{a,b}`
 * braces list alternatives, `*` matches across directories, and `exclude`
 * wins over `include`. Empty patterns match everything (include) or nothing
 * (exclude).
 */
export function compilePathFilter(include?: string, exclude?: string): PathFilter {
  const inc = include ? compile(include) : undefined;
  const exc = exclude ? compile(exclude) : undefined;
  return (relPath) => !(exc && exc(relPath)) && (!inc || inc(relPath));
}
