import { availableParallelism, tmpdir } from 'node:os';
import type { ConvertOptions } from '@flotilla/api';
import type { ManifestCache } from './cache.js';
import type { ChartClient } from './charts/client.js';

/** Where a renderer writes what it has to say; a pino logger fits. */
export interface RenderLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** How a renderer works; every field but the tool paths is optional. */
export interface RenderOptions {
  /** Absolute path of `helm` (resolved once by the caller with `resolveTool`). */
  readonly helmPath: string;
  /** Absolute path of `kubectl`; Kustomize runs as `kubectl kustomize`. */
  readonly kubectlPath: string;
  /** Versions of the tools, when the caller knows them; probed once otherwise. */
  readonly toolVersions?: { readonly helm?: string; readonly kubectl?: string };
  /** Kill helm or kubectl after this long; 90 s unless set (Argo CD's default). */
  readonly timeoutMs?: number;
  /** Most bytes of tool output, of directory input and of canonical output; 64 MiB unless set. */
  readonly maxOutputBytes?: number;
  /** Most YAML alias expansions per document (alias bombs); 100 unless set. */
  readonly maxAliasCount?: number;
  /** Extra arguments for `kubectl kustomize` (Argo CD's `kustomize.buildOptions`); none unless set. */
  readonly kustomizeArgs?: readonly string[];
  /** `PATH` for the tools (kustomize runs `git` for remote bases); `/usr/local/bin:/usr/bin:/bin` unless set. */
  readonly toolSearchPath?: string;
  /**
   * Most helm or kubectl processes at once (directory renders run in-process
   * and are not counted); the number of cores unless set.
   */
  readonly toolConcurrency?: number;
  /** Parent of each render's private temp dir; the OS temp dir unless set. */
  readonly tmpDir?: string;
  /** The manifest cache; renders are not cached unless set. */
  readonly cache?: ManifestCache;
  /**
   * Whether directory sources go through the cache too; true unless set.
   * A directory renders in-process from local files, so a caller that
   * remembers whole apps itself may find the round trips cost more than they save.
   */
  readonly cacheDirectories?: boolean;
  /** How Argo CD Applications in the output (app of apps) are converted. */
  readonly convert?: ConvertOptions;
  /** Logger for cache trouble and skipped files; silent unless set. */
  readonly logger?: RenderLogger;
  /**
   * Fetches chart dependencies that are not vendored under `charts/`; without
   * one, such a chart fails with `DependencyMissing` (rendering stays offline).
   */
  readonly charts?: ChartClient;
}

/** {@link RenderOptions} with every default filled in. */
export interface CompiledRenderOptions {
  readonly helmPath: string;
  readonly kubectlPath: string;
  readonly toolVersions: { readonly helm?: string; readonly kubectl?: string };
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  readonly maxAliasCount: number;
  readonly kustomizeArgs: readonly string[];
  readonly toolSearchPath: string;
  readonly toolConcurrency: number;
  readonly tmpDir: string;
  readonly cache: ManifestCache | undefined;
  readonly cacheDirectories: boolean;
  readonly convert: ConvertOptions;
  readonly logger: RenderLogger;
  readonly charts: ChartClient | undefined;
}

const SILENT: RenderLogger = {
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number`);
  return v;
}

/** Fills in the defaults of {@link RenderOptions} and checks the limits. */
export function compileRenderOptions(options: RenderOptions): CompiledRenderOptions {
  if (!options.helmPath || !options.kubectlPath) {
    throw new TypeError('helmPath and kubectlPath are required (resolve them with resolveTool)');
  }
  return {
    helmPath: options.helmPath,
    kubectlPath: options.kubectlPath,
    toolVersions: options.toolVersions ?? {},
    timeoutMs: positive('timeoutMs', options.timeoutMs, 90_000),
    maxOutputBytes: positive('maxOutputBytes', options.maxOutputBytes, 64 * 1024 * 1024),
    maxAliasCount: positive('maxAliasCount', options.maxAliasCount, 100),
    kustomizeArgs: [...(options.kustomizeArgs ?? [])],
    toolSearchPath: options.toolSearchPath ?? '/usr/local/bin:/usr/bin:/bin',
    toolConcurrency: Math.floor(
      positive('toolConcurrency', options.toolConcurrency, availableParallelism()),
    ),
    tmpDir: options.tmpDir ?? tmpdir(),
    cache: options.cache,
    cacheDirectories: options.cacheDirectories ?? true,
    convert: options.convert ?? {},
    logger: options.logger ?? SILENT,
    charts: options.charts,
  };
}
