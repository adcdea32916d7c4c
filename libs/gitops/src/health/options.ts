// Health options: what operators may set, the defaults, and the compiled form
// the assessor runs with. Libraries never read the environment; services pass
// these in once.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HealthOptionsError } from './errors.js';
import { parseScriptKey } from './lua/loader.js';

/** Where health scripts run. */
export const LuaIsolation = {
  /** In worker threads, terminated when a script overstays (the default). */
  Worker: 'worker',
  /** On the calling thread: cheaper, but a script stuck in one C call blocks the thread. */
  Inline: 'inline',
} as const;
/** Where health scripts run. */
export type LuaIsolation = (typeof LuaIsolation)[keyof typeof LuaIsolation];

/** Limits and placement of Lua health scripts; every field is optional. */
export interface LuaHealthOptions {
  /** How long one run may take. Default 1000 ms, Argo CD's limit. */
  readonly timeoutMs?: number;
  /** How much a run may allocate beyond the object it reads. Default 32 MiB. */
  readonly memoryLimitBytes?: number;
  /** Where scripts run. Default `worker`. */
  readonly isolation?: LuaIsolation;
  /** How many worker threads run scripts. Default 1. */
  readonly workers?: number;
  /** How long past `timeoutMs` a silent worker is given before it is terminated. Default 500 ms. */
  readonly graceMs?: number;
}

/** {@link LuaHealthOptions} with every default filled in. */
export interface CompiledLuaHealthOptions {
  readonly timeoutMs: number;
  readonly memoryLimitBytes: number;
  readonly isolation: LuaIsolation;
  readonly workers: number;
  readonly graceMs: number;
  /** How long a new worker may take to load the Lua runtime. */
  readonly startTimeoutMs: number;
}

/** How health is assessed; every field is optional. */
export interface HealthOptions {
  /**
   * Directories laid out like Argo CD's `resource_customizations`
   * (`<group>/<Kind>/health.lua`, `<Kind>/health.lua` for the core group),
   * searched in order after the inline scripts.
   */
  readonly customizationDirs?: readonly string[];
  /**
   * Scripts by key, like Argo CD's `resource.customizations.health.*`: `group/Kind`,
   * or `Kind` for the core group; `*` wildcards match any run of characters
   * (`*.crossplane.io/*`), an exact key winning over them. They win over every
   * directory and built-in check. {@link healthCustomizationsFrom} reads them from ConfigMaps.
   */
  readonly scripts?: Readonly<Record<string, string>>;
  readonly lua?: LuaHealthOptions;
}

/** {@link HealthOptions} resolved: absolute directories in search order, validated scripts and limits. */
export interface CompiledHealthOptions {
  readonly customizationDirs: readonly string[];
  readonly scripts: ReadonlyMap<string, string>;
  readonly lua: CompiledLuaHealthOptions;
}

/** The Lua defaults, as documented in docs/health.md. */
export const LUA_HEALTH_DEFAULTS: CompiledLuaHealthOptions = {
  timeoutMs: 1000,
  memoryLimitBytes: 32 * 1024 * 1024,
  isolation: LuaIsolation.Worker,
  workers: 1,
  graceMs: 500,
  startTimeoutMs: 30_000,
};

function integer(
  value: number | undefined,
  option: string,
  min: number,
  max: number,
  def: number,
): number {
  if (value === undefined) return def;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HealthOptionsError(
      `${option} must be an integer from ${min} to ${max}, not ${value}`,
      option,
    );
  }
  return value;
}

/** Fills in the Lua defaults and checks the limits; throws {@link HealthOptionsError}. */
export function compileLuaHealthOptions(options: LuaHealthOptions = {}): CompiledLuaHealthOptions {
  const d = LUA_HEALTH_DEFAULTS;
  const isolation = options.isolation ?? d.isolation;
  if (!Object.values(LuaIsolation).includes(isolation)) {
    throw new HealthOptionsError(
      `lua.isolation must be worker or inline, not ${String(isolation)}`,
      'lua.isolation',
    );
  }
  return {
    timeoutMs: integer(options.timeoutMs, 'lua.timeoutMs', 1, 60_000, d.timeoutMs),
    memoryLimitBytes: integer(
      options.memoryLimitBytes,
      'lua.memoryLimitBytes',
      1024 * 1024,
      2 ** 31,
      d.memoryLimitBytes,
    ),
    isolation,
    workers: integer(options.workers, 'lua.workers', 1, 64, d.workers),
    graceMs: integer(options.graceMs, 'lua.graceMs', 0, 60_000, d.graceMs),
    startTimeoutMs: d.startTimeoutMs,
  };
}

/** Fills in defaults, resolves and checks directories and script keys; throws {@link HealthOptionsError}. */
export function compileHealthOptions(options: HealthOptions = {}): CompiledHealthOptions {
  const dirs = (options.customizationDirs ?? []).map((dir, i) => {
    const option = `customizationDirs[${i}]`;
    const abs = resolve(dir);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch (err) {
      throw new HealthOptionsError(`${option}: ${abs} does not exist`, option, { cause: err });
    }
    if (!isDir) throw new HealthOptionsError(`${option}: ${abs} is not a directory`, option);
    return abs;
  });
  const scripts = new Map<string, string>();
  for (const [key, source] of Object.entries(options.scripts ?? {})) {
    const option = `scripts.${key}`;
    if (!parseScriptKey(key)) {
      throw new HealthOptionsError(
        `${option}: a key is group/Kind, or Kind for the core group (with * wildcards if any)`,
        option,
      );
    }
    if (typeof source !== 'string')
      throw new HealthOptionsError(`${option} must be Lua source text`, option);
    scripts.set(key, source);
  }
  return { customizationDirs: dirs, scripts, lua: compileLuaHealthOptions(options.lua) };
}
