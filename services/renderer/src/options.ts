import { join } from 'node:path';
import type { RuntimeConfig } from '@flotilla/runtime';

/** renderer settings after defaults; see docs/configuration.md. */
export interface RendererOptions {
  readonly allowLocalRepos: boolean;
  readonly repoCacheDir: string;
  /** Where checkouts are written for the length of one render. */
  readonly workDir: string;
  readonly renderTimeoutMs: number;
  readonly concurrency: number;
  /** How long a rendered app (by sources and revisions) is remembered; 24 h. */
  readonly memoTtlMs: number;
  readonly helmPath?: string;
  readonly kubectlPath?: string;
}

/** Compiles options from the environment (passed in, never read here). */
export function compileRendererOptions(
  env: Readonly<Record<string, string | undefined>>,
  config: RuntimeConfig,
): RendererOptions {
  const o: RendererOptions = {
    allowLocalRepos: env['FLOTILLA_ALLOW_LOCAL_REPOS'] === 'true',
    repoCacheDir: env['FLOTILLA_REPO_CACHE_DIR'] ?? join(config.cacheDir, 'repos'),
    workDir: env['FLOTILLA_RENDER_WORK_DIR'] ?? join(config.cacheDir, 'render-work'),
    renderTimeoutMs: Number(env['FLOTILLA_RENDER_TIMEOUT_SECONDS'] ?? 90) * 1000,
    concurrency: Number(env['FLOTILLA_RENDER_CONCURRENCY'] ?? 2),
    memoTtlMs: 24 * 3600_000,
    helmPath: env['FLOTILLA_HELM'],
    kubectlPath: env['FLOTILLA_KUBECTL'],
  };
  if (!(o.renderTimeoutMs > 0))
    throw new Error('FLOTILLA_RENDER_TIMEOUT_SECONDS must be a positive number');
  if (!(o.concurrency >= 1)) throw new Error('FLOTILLA_RENDER_CONCURRENCY must be at least 1');
  return o;
}
