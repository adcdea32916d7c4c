// Sync planning: sync and compare options, the ordered plan of a sync, hook
// delete policies, per-resource results, retry, automated sync and history.
// Pure: plain objects in, plain objects out. The only public entry of sync/.
export type { KubeObject as SyncObject } from '../resource/index.js';
export { formatGoDuration, parseGoDuration, parseSecondsOrDuration } from './duration.js';
export { SyncOptionsError, isSyncOptionsError } from './errors.js';
export { deletePoliciesOf } from './delete-policy.js';
export { readSyncWave, syncWaveOf, type WaveReading } from './waves.js';
export {
  DEFAULT_SYNC_OPTIONS,
  DeletionMode,
  PropagationPolicy,
  effectiveSyncOptions,
  parseAppSyncOptions,
  parseSyncOptions,
  resourceSyncOptions,
  type EffectiveSyncOptions,
  type ParsedSyncOptions,
  type SyncOptionScope,
  type SyncOptionValues,
} from './sync-options.js';
export {
  DEFAULT_HOOK_TIMEOUT_MS,
  readResourceAnnotations,
  type ResourceAnnotations,
} from './resource-annotations.js';
export { KIND_ORDER, kindOrderIndex } from './kind-order.js';
export {
  isSelected as isSelectedForSync,
  objectKey as syncResourceKey,
  type NamespacedLookup,
} from './keys.js';
export { appHash, hookObjectName } from './naming.js';
export {
  DropReason,
  SyncTaskType,
  type DroppedResource,
  type PlanWarning,
  type SyncPlan,
  type SyncStep,
  type SyncTask,
} from './types.js';
export {
  HOOK_FINALIZER,
  compileSyncPlanOptions,
  type CompiledSyncPlanOptions,
  type PlanResource,
  type SyncPlanOptions,
} from './plan-options.js';
export { PRUNE_DISABLED_MESSAGE, PRUNE_FALSE_MESSAGE } from './prune-tasks.js';
export { planSync, type SyncPlanInput } from './plan.js';
export { applyBatches, isHookTask } from './steps.js';
export {
  applyResult,
  fromResourceResults,
  hookDeletionFailedResult,
  hookResult,
  hookTimedOut,
  hookTimeoutResult,
  indexResults,
  pruneResult,
  resourceHealthResult,
  resultId,
  toResourceResults,
  type SyncResourceResult,
} from './results.js';
export {
  hooksToDeleteOnFailure,
  hooksToDeleteOnSuccess,
  hooksToDeleteOnTerminate,
} from './hook-cleanup.js';
export {
  SYNC_FAILED_MESSAGE,
  SYNC_SUCCEEDED_MESSAGE,
  nextStepIndex,
  syncOutcome,
  syncProgress,
  type SyncProgress,
} from './progress.js';
export {
  deletionHookProgress,
  deletionHooksToDelete,
  planDeletionHooks,
  type DeletionHook,
  type DeletionHookHealth,
  type DeletionHookOptions,
  type DeletionHookPlan,
} from './deletion-hooks.js';
export {
  ARGO_FINALIZERS,
  DELETION_APPROVED_ANNOTATIONS,
  POST_DELETE_FINALIZERS,
  RESOURCES_FINALIZERS,
  appDeletionMode,
  deletionConfirmationMessage,
  isDeletionApproved,
  planAppDeletion,
  type AppDeletionMode,
  type AppDeletionOptions,
  type AppDeletionPlan,
  type DeletionWave,
  type LiveResource,
} from './app-deletion.js';
export {
  AUTOMATED_RETRY_LIMIT,
  DEFAULT_RETRY_BACKOFF,
  canRetry,
  compileRetryStrategy,
  decideRetry,
  retryDelayMs,
  type CompiledRetryStrategy,
  type RetryDecision,
} from './retry.js';
export { SELF_HEAL_BACKOFF, selfHealDelayMs, selfHealRemainingMs } from './self-heal.js';
export { decideAutoSync, type AutoSyncDecision, type AutoSyncInput } from './automated.js';
export {
  DEFAULT_REVISION_HISTORY_LIMIT,
  appendHistory,
  historyEntryFor,
  shouldRecordHistory,
  type NewHistoryEntry,
} from './history.js';
export { hooksSkippedFor, planRollback, type RollbackDecision } from './rollback.js';
export { respectIgnoreDifferences } from './respect-ignore.js';
export { sharedResourceFailure } from './shared.js';
export {
  modifiedSinceComparison,
  type LastComparison,
  type SyncedManifests,
} from './out-of-sync.js';
