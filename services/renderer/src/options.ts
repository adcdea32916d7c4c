import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { RuntimeConfig } from '@flotilla/runtime';

/** renderer settings after defaults; see docs/configuration.md. */
export interface RendererOptions {
  readonly allowLocalRepos: boolean;
  readonly repoCacheDir: string;
  /** Where Helm and Kustomize renders get their private directories. */
  readonly workDir: string;
  readonly renderTimeoutMs: number;
  /** Render commands handled at once. */
  readonly concurrency: number;
  /** helm or kubectl processes at once (directory renders run in-process). */
  readonly toolConcurrency: number;
  /** How long a rendered app (by sources and revisions) is remembered; 24 h. */
  readonly memoTtlMs: number;
  /** The content-addressed store of pulled charts. */
  readonly chartCacheDir: string;
  /** Largest chart archive pulled (compressed), and largest unpacked. */
  readonly maxChartArchiveBytes: number;
  readonly maxChartBytes: number;
  /** Largest size of the chart store; least recently used charts no render holds go beyond it. */
  readonly maxChartCacheBytes: number;
  readonly helmPath?: string;
  readonly kubectlPath?: string;
}

/** Compiles options from the environment (passed in, never read here). */
export function compileRendererOptions(
  env: Readonly<Record<string, string | undefined>>,
  config: RuntimeConfig,
): RendererOptions {
  const cores = availableParallelism();
  const o: RendererOptions = {
    allowLocalRepos: env['FLOTILLA_ALLOW_LOCAL_REPOS'] === 'true',
    repoCacheDir: env['FLOTILLA_REPO_CACHE_DIR'] ?? join(config.cacheDir, 'repos'),
    workDir: env['FLOTILLA_RENDER_WORK_DIR'] ?? join(config.cacheDir, 'render-work'),
    renderTimeoutMs: Number(env['FLOTILLA_RENDER_TIMEOUT_SECONDS'] ?? 90) * 1000,
    // Most renders wait on Redis, NATS or the apiserver, or read a directory
    // in-process: several per core keep the cores busy. helm and kubectl are
    // processes that use a core each: one per core.
    concurrency: Number(env['FLOTILLA_RENDER_CONCURRENCY'] ?? 4 * cores),
    toolConcurrency: Number(env['FLOTILLA_RENDER_TOOL_CONCURRENCY'] ?? cores),
    memoTtlMs: 24 * 3600_000,
    chartCacheDir: env['FLOTILLA_CHART_CACHE_DIR'] ?? config.cacheDir,
    maxChartArchiveBytes: Number(env['FLOTILLA_CHART_MAX_ARCHIVE_MB'] ?? 20) * 1024 * 1024,
    maxChartBytes: Number(env['FLOTILLA_CHART_MAX_UNPACKED_MB'] ?? 64) * 1024 * 1024,
    maxChartCacheBytes: Number(env['FLOTILLA_CHART_CACHE_MAX_MB'] ?? 1024) * 1024 * 1024,
    helmPath: env['FLOTILLA_HELM'],
    kubectlPath: env['FLOTILLA_KUBECTL'],
  };
  if (!(o.renderTimeoutMs > 0))
    throw new Error('FLOTILLA_RENDER_TIMEOUT_SECONDS must be a positive number');
  if (!(o.maxChartArchiveBytes > 0) || !(o.maxChartBytes > 0))
    throw new Error(
      'FLOTILLA_CHART_MAX_ARCHIVE_MB and FLOTILLA_CHART_MAX_UNPACKED_MB must be positive numbers',
    );
  if (!(o.maxChartCacheBytes > 0))
    throw new Error('FLOTILLA_CHART_CACHE_MAX_MB must be a positive number');
  if (!(o.concurrency >= 1)) throw new Error('FLOTILLA_RENDER_CONCURRENCY must be at least 1');
  if (!(o.toolConcurrency >= 1))
    throw new Error('FLOTILLA_RENDER_TOOL_CONCURRENCY must be at least 1');
  return o;
}
