// Health of live objects: a Lua script when one is configured for the kind
// (as Argo CD's resource customizations override its built-in checks), else
// the built-in check, else none.
import { HealthStatusCode } from '@flotilla/api';
import { builtinHealthCheck, builtinHealthCheckFor, runHealthCheck } from './builtin.js';
import { pendingDeletionHealth } from './deletion.js';
import { HealthScriptLoader, type HealthScript } from './lua/loader.js';
import { createLuaHealthRuntime, type LuaHealthRuntime } from './lua/runtime.js';
import { groupKindOf } from '../resource/index.js';
import { compileHealthOptions, type CompiledHealthOptions, type HealthOptions } from './options.js';
import type { HealthGroupKind, HealthObject, HealthResult } from './types.js';

/** Which kind of check judges a group and kind. */
export const HealthCheckSource = {
  /** A Lua script from the options (a user's customization) or a customization directory. */
  Lua: 'lua',
  /** One of the checks in `kinds/`. */
  Builtin: 'builtin',
} as const;
/** Which kind of check judges a group and kind. */
export type HealthCheckSource = (typeof HealthCheckSource)[keyof typeof HealthCheckSource];

/** Assesses health with one set of options; holds Lua workers until closed. */
export interface HealthAssessor extends AsyncDisposable {
  /**
   * The health of a live object, or undefined when its kind has no check (app
   * aggregation skips those). Never rejects: a check that cannot decide answers Unknown.
   */
  assess(obj: HealthObject): Promise<HealthResult | undefined>;
  /** Which check judges a group and kind, or undefined for none. */
  checkFor(gk: HealthGroupKind): HealthCheckSource | undefined;
  /**
   * The health of a resource that should exist but does not: Missing when its
   * kind has a check, undefined otherwise (Argo CD leaves those out of app health).
   */
  missing(gk: HealthGroupKind): HealthResult | undefined;
  /** Stops Lua workers; later assessments of scripted kinds answer Unknown. */
  close(): Promise<void>;
}

function unknown(message: string): HealthResult {
  return { status: HealthStatusCode.Unknown, message };
}

function isCompiled(o: HealthOptions | CompiledHealthOptions): o is CompiledHealthOptions {
  return o.scripts instanceof Map;
}

/** An assessor for the given options (compiled here when they are not); throws `HealthOptionsError`. */
export function createHealthAssessor(
  options: HealthOptions | CompiledHealthOptions = {},
): HealthAssessor {
  const compiled = isCompiled(options) ? options : compileHealthOptions(options);
  const loader = new HealthScriptLoader(compiled.customizationDirs, compiled.scripts);
  let runtime: LuaHealthRuntime | undefined;
  let closed = false;

  function scriptFor(gk: HealthGroupKind): HealthScript | Error | undefined {
    try {
      return loader.find(gk);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  const assessor: HealthAssessor = {
    async assess(obj) {
      const gk = groupKindOf(obj);
      const script = scriptFor(gk);
      const builtin = builtinHealthCheckFor(obj);
      if (script === undefined && builtin === undefined) return undefined;
      const deleting = pendingDeletionHealth(obj);
      if (deleting) return deleting;
      if (script === undefined) return builtin && runHealthCheck(builtin, obj);
      if (script instanceof Error) return unknown(script.message);
      if (closed) return unknown('the health assessor is closed');
      runtime ??= createLuaHealthRuntime(compiled.lua);
      return runtime.run(script, obj);
    },
    checkFor(gk) {
      if (scriptFor(gk) !== undefined) return HealthCheckSource.Lua;
      return builtinHealthCheck(gk) ? HealthCheckSource.Builtin : undefined;
    },
    missing(gk) {
      return assessor.checkFor(gk) ? { status: HealthStatusCode.Missing } : undefined;
    },
    async close() {
      closed = true;
      const r = runtime;
      runtime = undefined;
      await r?.close();
    },
    [Symbol.asyncDispose]: () => assessor.close(),
  };
  return assessor;
}

let shared: HealthAssessor | undefined;

/** Options for {@link assessHealth}. */
export interface AssessHealthOptions {
  /** The assessor to use. Default: one shared assessor with default options, created on first use. */
  readonly assessor?: HealthAssessor;
}

/**
 * The health of a live object: its Lua customization, else its built-in check;
 * undefined when its kind has neither. Services should create their own
 * assessor from their configuration and pass it here.
 */
export function assessHealth(
  obj: HealthObject,
  options: AssessHealthOptions = {},
): Promise<HealthResult | undefined> {
  const assessor = options.assessor ?? (shared ??= createHealthAssessor());
  return assessor.assess(obj);
}
