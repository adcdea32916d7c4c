import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The user cache directory for Flotilla (`$XDG_CACHE_HOME/flotilla`, default
 * `~/.cache/flotilla`). Takes the environment as an argument so that only
 * entry points read `process.env`.
 */
export function userCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const base = env['XDG_CACHE_HOME'] || join(env['HOME'] || homedir(), '.cache');
  return join(base, 'flotilla');
}
