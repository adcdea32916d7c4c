// Per-resource outcomes of a sync as data, shaped like gitops-engine's
// ResourceSyncResult and convertible to status.operationState.syncResult.
import {
  HealthStatusCode,
  OperationPhase,
  ResultCode,
  type HookType,
  type ResourceResult,
  type SyncPhase,
} from '@flotilla/api';
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';
import { hookPhaseFromHealth, type HealthResult } from '../health/index.js';
import { formatGoDuration } from './duration.js';
import { versionOf } from '../resource/index.js';
import type { SyncTask } from './types.js';

/** What happened to one resource in one phase. */
export interface SyncResourceResult {
  readonly key: ResourceKey;
  /** API version of the object, for status. */
  readonly version: string;
  readonly status: ResultCode;
  readonly message: string;
  readonly hookType?: HookType;
  /** Phase of the hook, or of the resource's apply (Running until healthy). */
  readonly hookPhase: OperationPhase;
  readonly syncPhase: SyncPhase;
  readonly wave: number;
}

/** The identity of a result: key and phase, as gitops-engine keys results. */
export function resultId(key: ResourceKey, phase: SyncPhase): string {
  return `${resourceKeyString(key)}:${phase}`;
}

/** Results indexed by {@link resultId}; a later result for the same id wins. */
export function indexResults(
  results: readonly SyncResourceResult[],
): Map<string, SyncResourceResult> {
  return new Map(results.map((r) => [resultId(r.key, r.syncPhase), r]));
}

function base(task: SyncTask, status: ResultCode, phase: OperationPhase, message: string) {
  const obj = task.targetObject ?? task.liveObject;
  const result: SyncResourceResult = {
    key: task.key,
    version: obj ? versionOf(obj) : '',
    status,
    message,
    hookPhase: phase,
    syncPhase: task.phase,
    wave: task.wave,
    ...(task.hookType !== undefined ? { hookType: task.hookType } : {}),
  };
  return result;
}

/**
 * The result of applying a resource or creating a hook: Synced and Running
 * (Succeeded at once in a dry-run operation), or SyncFailed and Failed.
 */
export function applyResult(
  task: SyncTask,
  outcome: { readonly error?: string; readonly message?: string },
  dryRun = false,
): SyncResourceResult {
  if (outcome.error !== undefined) {
    return base(task, ResultCode.SyncFailed, OperationPhase.Failed, outcome.error);
  }
  const phase = dryRun ? OperationPhase.Succeeded : OperationPhase.Running;
  return base(task, ResultCode.Synced, phase, outcome.message ?? '');
}

/**
 * The result of a prune task: PruneSkipped with the plan's reason, Pruned
 * ("pruned", or "pruned (dry run)"), or SyncFailed with the delete error.
 * `pending` says the object is still there (finalizers, foreground deletion):
 * the prune stays Running, and the operation waits until it is gone.
 */
export function pruneResult(
  task: SyncTask,
  outcome: { readonly error?: string; readonly pending?: boolean } = {},
  dryRun = false,
): SyncResourceResult {
  if (task.pruneSkipMessage !== undefined) {
    return base(task, ResultCode.PruneSkipped, OperationPhase.Succeeded, task.pruneSkipMessage);
  }
  if (outcome.error !== undefined) {
    return base(task, ResultCode.SyncFailed, OperationPhase.Failed, outcome.error);
  }
  if (dryRun) return base(task, ResultCode.Pruned, OperationPhase.Succeeded, 'pruned (dry run)');
  const phase = outcome.pending ? OperationPhase.Running : OperationPhase.Succeeded;
  return base(task, ResultCode.Pruned, phase, 'pruned');
}

/**
 * A hook's result from its live health: Healthy → Succeeded; Progressing or
 * Suspended → Running; Degraded or Unknown → Failed; a kind with no health
 * check (undefined) → Succeeded at once ("<name> created").
 */
export function hookResult(task: SyncTask, health: HealthResult | undefined): SyncResourceResult {
  const { phase, message } = hookPhaseFromHealth(health, task.name);
  return base(task, ResultCode.Synced, phase, message);
}

/**
 * A hook that ran past its timeout: Failed. **Flotilla:** Argo CD has no
 * per-hook timeout.
 */
export function hookTimeoutResult(task: SyncTask): SyncResourceResult {
  const limit =
    task.hookTimeoutMs === undefined ? '' : ` within ${formatGoDuration(task.hookTimeoutMs)}`;
  return base(task, ResultCode.Synced, OperationPhase.Failed, `hook did not complete${limit}`);
}

/** True when a hook started at `startedAt` has run past its timeout at `now`. */
export function hookTimedOut(task: SyncTask, startedAt: Date, now: Date): boolean {
  return (
    task.hookTimeoutMs !== undefined && now.getTime() - startedAt.getTime() > task.hookTimeoutMs
  );
}

/**
 * A running resource's result once its health is known, for multi-step syncs:
 * Healthy or no health check → Succeeded; Degraded → Failed; anything else
 * leaves it Running.
 */
export function resourceHealthResult(
  result: SyncResourceResult,
  health: HealthResult | undefined,
): SyncResourceResult {
  if (result.hookPhase !== OperationPhase.Running) return result;
  if (!health) return { ...result, hookPhase: OperationPhase.Succeeded };
  if (health.status === HealthStatusCode.Healthy) {
    return {
      ...result,
      hookPhase: OperationPhase.Succeeded,
      message: health.message ?? result.message,
    };
  }
  if (health.status === HealthStatusCode.Degraded) {
    return {
      ...result,
      hookPhase: OperationPhase.Failed,
      message: health.message ?? result.message,
    };
  }
  return result;
}

/** A failed delete-before-hook: the hook's result turns Error. */
export function hookDeletionFailedResult(task: SyncTask, error: string): SyncResourceResult {
  return base(
    task,
    ResultCode.SyncFailed,
    OperationPhase.Error,
    `failed to delete resource: ${error}`,
  );
}

/** Results in the shape of `status.operationState.syncResult.resources`. */
export function toResourceResults(results: readonly SyncResourceResult[]): ResourceResult[] {
  return results.map((r) => ({
    group: r.key.group,
    version: r.version,
    kind: r.key.kind,
    namespace: r.key.namespace,
    name: r.key.name,
    status: r.status,
    message: r.message,
    hookPhase: r.hookPhase,
    syncPhase: r.syncPhase,
    ...(r.hookType !== undefined ? { hookType: r.hookType } : {}),
  }));
}

/**
 * Results read back from status, for resuming an operation. Status keeps no
 * wave, so each result takes its task's wave from the plan (0 when the plan has
 * no such task any more). Entries without a status are dropped; a missing
 * sync phase reads as Sync.
 */
export function fromResourceResults(
  stored: readonly ResourceResult[],
  tasks: readonly SyncTask[] = [],
): SyncResourceResult[] {
  const waves = new Map(tasks.map((t) => [resultId(t.key, t.phase), t.wave]));
  const out: SyncResourceResult[] = [];
  for (const r of stored) {
    if (r.status === undefined) continue;
    const key = { group: r.group, kind: r.kind, namespace: r.namespace, name: r.name };
    const syncPhase = r.syncPhase ?? 'Sync';
    out.push({
      key,
      version: r.version,
      status: r.status,
      message: r.message ?? '',
      hookPhase: r.hookPhase ?? OperationPhase.Succeeded,
      syncPhase,
      wave: waves.get(resultId(key, syncPhase)) ?? 0,
      ...(r.hookType !== undefined ? { hookType: r.hookType } : {}),
    });
  }
  return out;
}
