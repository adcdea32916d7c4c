import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

/** The kubeconfig `flotilla dev cluster up` and `npm start` write for the local control plane. */
export const localKubeconfig = (ctx: CliContext) => join(ctx.root, '.flotilla', 'kubeconfig');

/**
 * The cluster to talk to: `--kubeconfig`, then KUBECONFIG, then the local
 * control plane's kubeconfig when it exists; undefined leaves the choice to
 * the client (in-cluster credentials).
 */
export function kubeconfigOf(ctx: CliContext, flag?: string): string | undefined {
  if (flag) return flag;
  if (ctx.env['KUBECONFIG']) return ctx.env['KUBECONFIG'];
  const local = localKubeconfig(ctx);
  return existsSync(local) ? local : undefined;
}

/** Writes a progress line to stderr, so stdout stays clean for -o json. */
export function progress(msg: string): void {
  process.stderr.write(`› ${msg}\n`);
}
