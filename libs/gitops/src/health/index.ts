// Health assessment: built-in checks per kind, Argo CD's Lua health scripts in
// a sandbox, and app health aggregation. The only public entry of health/.
export type { HealthCheck, HealthGroupKind, HealthObject, HealthResult } from './types.js';
export {
  HEALTH_ORDER,
  healthRank,
  isHealthStatusCode,
  isWorseHealth,
  worstHealth,
} from './status.js';
export { assessBuiltinHealth, builtinHealthCheck } from './builtin.js';
export { HOOK_FINALIZERS, pendingDeletionHealth } from './deletion.js';
export {
  IGNORE_HEALTH_ANNOTATIONS,
  aggregateHealth,
  appHealthContribution,
  ignoresHealthCheck,
} from './aggregate.js';
export { hookPhaseFromHealth, type HookHealthPhase } from './hook-phase.js';
export {
  LUA_HEALTH_DEFAULTS,
  LuaIsolation,
  compileHealthOptions,
  compileLuaHealthOptions,
  type CompiledHealthOptions,
  type CompiledLuaHealthOptions,
  type HealthOptions,
  type LuaHealthOptions,
} from './options.js';
export {
  HEALTH_CUSTOMIZATIONS_DIR,
  HEALTH_SCRIPT_FILE,
  HealthScriptLoader,
  parseScriptKey,
  scriptKey,
  type HealthScript,
} from './lua/loader.js';
export { createLuaHealthRuntime, type LuaHealthRuntime } from './lua/runtime.js';
export { INVALID_HEALTH_STATUS } from './lua/result.js';
export {
  HealthOptionsError,
  HealthScriptLoadError,
  isHealthOptionsError,
  isHealthScriptLoadError,
} from './errors.js';
export {
  HealthCheckSource,
  assessHealth,
  createHealthAssessor,
  type AssessHealthOptions,
  type HealthAssessor,
} from './assessor.js';
