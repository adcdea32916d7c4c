import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { userCacheDir } from '@flotilla/runtime';

/** Everything the CLI derives from the environment, read in one place. */
export interface CliContext {
  /** Workspace root; `.flotilla/` lives here. */
  readonly root: string;
  readonly cacheDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly overrides: { helm?: string; kubectl?: string };
}

/** Reads the environment once (the only place besides services' main.ts that does). */
export function cliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const here = dirname(fileURLToPath(import.meta.url));
  return {
    root: env['FLOTILLA_ROOT'] ? resolve(env['FLOTILLA_ROOT']) : resolve(here, '..', '..'),
    cacheDir: userCacheDir(env),
    env,
    overrides: { helm: env['FLOTILLA_HELM'], kubectl: env['FLOTILLA_KUBECTL'] },
  };
}

/** Writes a progress line to stderr, so stdout stays clean for -o json. */
export function progress(msg: string): void {
  process.stderr.write(`› ${msg}\n`);
}
