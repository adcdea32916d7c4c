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
