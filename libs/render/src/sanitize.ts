const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

/** Removes `user:password@` from every URL in `text`. */
export function redactMessage(text: string): string {
  return text.replace(URL_USERINFO, '$1');
}

/**
 * Makes tool output fit for an error message: credentials stripped, private
 * directories (the checkout, the render's temp dir) replaced by short names so
 * messages are stable and say nothing about the host.
 */
export function cleanToolOutput(
  text: string,
  dirs: Readonly<Record<string, string | undefined>>,
): string {
  let out = redactMessage(text);
  // Longest first, so a temp dir inside the checkout is named as such.
  const entries = Object.entries(dirs)
    .filter((e): e is [string, string] => Boolean(e[1]))
    .sort((a, b) => b[1].length - a[1].length);
  for (const [name, dir] of entries) out = out.split(dir).join(name);
  return out;
}

/** The last `max` non-empty lines of a tool's stderr, minus Helm's and kubectl's decoration. */
export function errorLines(stderr: string, max = 20): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  // Helm 4 continues an error on indented lines; keep them, drop its usage hint.
  const first = lines.findIndex((l) => /^error:/i.test(l));
  const picked = (first >= 0 ? lines.slice(first) : lines).filter(
    (l) => !/^Use --debug flag/.test(l),
  );
  return picked.slice(-max).join('\n');
}

/** Warnings a tool wrote to stderr (kustomize deprecations, Helm notices), one per line. */
export function warningLines(stderr: string, max = 20): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^error:/i.test(l))
    .map((l) => l.replace(/^#\s*/, ''))
    .slice(0, max);
}
