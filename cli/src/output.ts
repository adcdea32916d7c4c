import { Option } from 'commander';
import { stringify } from 'yaml';

/** The `-o` formats; each command accepts the ones that make sense for it. */
export type Output = 'table' | 'wide' | 'json' | 'yaml';

/** `-o, --output <format>` limited to `formats`, the first being the default. */
export function outputOption(formats: readonly Output[]): Option {
  return new Option('-o, --output <format>', 'output format').choices(formats).default(formats[0]);
}

/** Writes `value` as JSON or YAML when asked, otherwise the table `table()` builds. */
export function print(value: unknown, output: Output | undefined, table: () => string): void {
  if (output === 'json') process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else if (output === 'yaml') process.stdout.write(stringify(value));
  else process.stdout.write(table());
}

/** Rows as aligned columns, the first row being the header. */
export function columns(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('   ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** A commit SHA shortened to 7 characters; anything else as is. */
export const short = (rev?: string) =>
  rev && /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : (rev ?? '');

/**
 * Whether to colour output: `--color` forces it, `--no-color` and NO_COLOR
 * turn it off, otherwise only when stdout is a terminal.
 */
export function useColor(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag !== undefined) return flag;
  if (env['NO_COLOR']) return false;
  return process.stdout.isTTY === true;
}
