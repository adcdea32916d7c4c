import picomatch from 'picomatch';

// Argo CD matches project fields with gobwas/glob: `*` matches any run of
// characters, and with `/` given as a separator (sourceRepos) it stops at `/`
// while `**` crosses it. Without separators `/` is swapped for a character no
// URL or name uses, so picomatch gives the same reading while keeping its
// braces, classes and `?`.
const SLASH = '\uE000';
const OPTIONS = { dot: true, nonegate: true, noextglob: true } as const;

type Matcher = (text: string) => boolean;
const cache = new Map<string, Matcher>();
const CACHE_LIMIT = 10_000;

function compile(pattern: string, slashSeparates: boolean): Matcher {
  const key = `${slashSeparates ? '/' : ''}\0${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let matcher: Matcher;
  try {
    if (slashSeparates) {
      matcher = picomatch(pattern, OPTIONS);
    } else {
      const inner = picomatch(pattern.split('/').join(SLASH), OPTIONS);
      matcher = (text) => inner(text.split('/').join(SLASH));
    }
  } catch {
    // As in Argo CD, a pattern that does not compile matches nothing.
    matcher = () => false;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, matcher);
  return matcher;
}

/**
 * True when `text` matches the glob `pattern`. `"*"` matches everything,
 * the empty string included. With `slashSeparates`, `*` stops at `/` and `**`
 * crosses it (how Argo CD matches repository URLs); otherwise `*` crosses `/`.
 */
export function projectGlobMatch(pattern: string, text: string, slashSeparates = false): boolean {
  if (pattern === '*' || pattern === text) return true;
  // picomatch never matches an empty string; gobwas matches it with `*`, `**`.
  if (text === '') return /^\**$/.test(pattern);
  return compile(pattern, slashSeparates)(text);
}

/** True when a project pattern denies what it matches (a leading `!`). */
export function isDenyPattern(pattern: string | undefined): boolean {
  return pattern !== undefined && pattern.startsWith('!');
}

/**
 * Matches a pattern that may be negated: `!p` matches whatever `p` does not.
 */
export function negatableMatch(pattern: string, text: string, slashSeparates = false): boolean {
  if (isDenyPattern(pattern)) return !projectGlobMatch(pattern.slice(1), text, slashSeparates);
  return projectGlobMatch(pattern, text, slashSeparates);
}

/**
 * Matches `text` against a list of patterns with Argo CD's reading of
 * `sourceNamespaces`: an entry wrapped in `/` is a regular expression, any
 * other is a glob.
 */
export function matchInList(list: readonly string[], text: string): boolean {
  return list.some((entry) => {
    if (entry.length > 1 && entry.startsWith('/') && entry.endsWith('/')) {
      try {
        return new RegExp(entry.slice(1, -1)).test(text);
      } catch {
        return false;
      }
    }
    return projectGlobMatch(entry, text);
  });
}
