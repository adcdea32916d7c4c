// Health assessment: built-in checks per kind, users' Lua health scripts (as
// Argo CD's argocd-cm holds them) in a sandbox, and app health aggregation. The only public entry of health/.
export type { HealthCheck, HealthGroupKind, HealthObject, HealthResult } from './types.js';
export {
  HEALTH_ORDER,
  healthRank,
  isHealthStatusCode,
  isWorseHealth,
  worstHealth,
} from './status.js';
export { assessBuiltinHealth, builtinHealthCheck, builtinHealthCheckFor } from './builtin.js';
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
  HEALTH_SCRIPT_FILE,
  HealthScriptLoader,
  isWildcardKey,
  parseScriptKey,
  scriptKey,
  type HealthScript,
} from './lua/loader.js';
export {
  HEALTH_CONFIG_MAPS,
  healthCustomizationsFrom,
  type ConfigMapData,
  type HealthCustomizations,
} from './config.js';
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
export { createReloadableHealthAssessor, type ReloadableHealthAssessor } from './reloadable.js';
