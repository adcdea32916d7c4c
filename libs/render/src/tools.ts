import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isCommandError, run, type RunResult } from '@flotilla/runtime';
import { RenderError, type RenderErrorCode } from './errors.js';
import { cleanToolOutput, errorLines } from './sanitize.js';

/**
 * The environment helm and kubectl run with: nothing of the renderer's own.
 * HOME and Helm's config, cache, data and plugin dirs point into the render's
 * private directory, so no user plugin (a post-renderer), repository config,
 * registry login or git credential is in reach, and no kubeconfig is read.
 */
export async function toolEnv(workDir: string, searchPath: string): Promise<NodeJS.ProcessEnv> {
  const home = join(workDir, 'home');
  await mkdir(join(home, 'plugins'), { recursive: true });
  return {
    HOME: home,
    PATH: searchPath,
    KUBECONFIG: '/dev/null',
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data'),
    HELM_PLUGINS: join(home, 'plugins'),
    HELM_NO_PLUGINS: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

/** How to run a tool for one render and name its failures. */
export interface ToolRun {
  readonly tool: 'helm' | 'kubectl';
  readonly path: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  readonly signal?: AbortSignal;
  /** The code of a plain failure (HelmError, KustomizeError). */
  readonly failure: RenderErrorCode;
  /** Directories to name in messages instead of their paths. */
  readonly dirs: Readonly<Record<string, string | undefined>>;
  /** What the tool was doing, for messages (`helm template`). */
  readonly what: string;
}

/**
 * Runs helm or kubectl with its arguments as data (never a shell) and turns
 * its failures into {@link RenderError}s: killed at the timeout (`Timeout`),
 * too much output (`TooLarge`), or the tool's own message, cleaned of
 * credentials and private paths.
 */
export async function runTool(spec: ToolRun): Promise<RunResult> {
  try {
    return await run(spec.path, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      timeoutMs: spec.timeoutMs,
      maxOutputBytes: spec.maxOutputBytes,
      ...(spec.signal ? { signal: spec.signal } : {}),
    });
  } catch (err) {
    if (spec.signal?.aborted) {
      throw new RenderError('Aborted', `${spec.what} was aborted`);
    }
    if (!isCommandError(err)) throw err;
    if (err.timedOut) {
      throw new RenderError(
        'Timeout',
        `${spec.what} took longer than ${spec.timeoutMs} ms and was killed`,
      );
    }
    if (/wrote more than \d+ bytes/.test(err.message)) {
      throw new RenderError(
        'TooLarge',
        `${spec.what} wrote more than ${spec.maxOutputBytes} bytes and was killed`,
      );
    }
    if (err.exitCode === null) {
      throw new RenderError('ToolError', `${spec.tool} could not be started: ${err.message}`);
    }
    const detail =
      cleanToolOutput(errorLines(err.stderr), spec.dirs) || `exit code ${err.exitCode}`;
    throw new RenderError(spec.failure, `${spec.what} failed: ${detail}`);
  }
}

/** Asks a tool for its version, once per renderer; a failure is a `ToolError`. */
export async function probeVersion(tool: 'helm' | 'kubectl', path: string): Promise<string> {
  const args = tool === 'helm' ? ['version', '--short'] : ['version', '--client', '-o', 'json'];
  try {
    const { stdout } = await run(path, args, { timeoutMs: 15_000, env: { PATH: '/usr/bin:/bin' } });
    if (tool === 'helm') return stdout.trim();
    const parsed = JSON.parse(stdout) as {
      clientVersion?: { gitVersion?: string };
      kustomizeVersion?: string;
    };
    return `${parsed.clientVersion?.gitVersion ?? 'unknown'}+kustomize-${parsed.kustomizeVersion ?? 'unknown'}`;
  } catch (cause) {
    throw new RenderError(
      'ToolError',
      `${tool} did not report its version: ${(cause as Error).message}`,
    );
  }
}
