import { readFile } from 'node:fs/promises';
import picomatch from 'picomatch';

interface Rule {
  readonly negated: boolean;
  readonly match: (path: string) => boolean;
  /** For `!dir/file` rules: the directories that must still be walked to reach it. */
  readonly reaches: (dir: string) => boolean;
}

/**
 * The `.dockerignore` rules of a build context, read the way Docker reads them:
 * one pattern per line relative to the context root, `#` comments, `**` across
 * directories, and `!` lines re-including what an earlier line excluded (the
 * last matching line wins). A directory that matches excludes everything in it.
 */
export class IgnoreRules {
  private constructor(private readonly rules: readonly Rule[]) {}

  static parse(text: string): IgnoreRules {
    const rules: Rule[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
      const match = picomatch(pattern, { dot: true });
      const parts = pattern.split('/');
      rules.push({
        negated,
        match,
        reaches: (dir) => {
          const depth = dir.split('/').length;
          return (
            depth < parts.length && picomatch(parts.slice(0, depth).join('/'), { dot: true })(dir)
          );
        },
      });
    }
    return new IgnoreRules(rules);
  }

  static async read(file: string): Promise<IgnoreRules> {
    return IgnoreRules.parse(await readFile(file, 'utf8'));
  }

  /**
   * Whether a path (posix, relative to the context) stays out of the image: the
   * last rule that matches it or a directory above it decides.
   */
  excludes(path: string): boolean {
    const segments = path.split('/');
    const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
    let out = false;
    for (const rule of this.rules) if (prefixes.some((p) => rule.match(p))) out = !rule.negated;
    return out;
  }

  /** Whether a directory that is out must still be walked for a `!` rule below it. */
  reincludesBelow(dir: string): boolean {
    return this.rules.some((r) => r.negated && r.reaches(dir));
  }
}
