// A task while the plan is still being put together: its phase and wave can
// still move (prune reversal, PruneLast, namespace and CRD dependencies).
import type { HookType, SyncPhase } from '@flotilla/api';
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';
import type { HookDeletePolicy, KubeObject } from '../resource/index.js';
import { kindOrderIndex } from './kind-order.js';
import type { EffectiveSyncOptions } from './sync-options.js';
import { SyncTaskType, type SyncTask } from './types.js';

/** A task under construction. */
export interface TaskDraft {
  key: ResourceKey;
  phase: SyncPhase;
  wave: number;
  type: SyncTaskType;
  hookType?: HookType;
  deletePolicies: readonly HookDeletePolicy[];
  syncOptions: EffectiveSyncOptions;
  targetObject?: KubeObject;
  liveObject?: KubeObject;
  skipDryRun: boolean;
  hookTimeoutMs?: number;
  pruneSkipMessage?: string;
  requiresPruneConfirmation?: boolean;
  unchanged?: boolean;
}

/** The id of a task: its key and phase, as gitops-engine keys results. */
export function taskId(key: ResourceKey, phase: SyncPhase, type?: SyncTaskType): string {
  const base = `${resourceKeyString(key)}:${phase}`;
  return type === SyncTaskType.DeleteBeforeHook ? `${base}:delete` : base;
}

/** Freezes a draft into a task, leaving out fields that do not apply. */
export function finishTask(d: TaskDraft): SyncTask {
  const task: Record<string, unknown> = {
    id: taskId(d.key, d.phase, d.type),
    key: d.key,
    phase: d.phase,
    wave: d.wave,
    kindOrder: kindOrderIndex(d.key.kind),
    name: d.key.name,
    type: d.type,
    deletePolicies: d.deletePolicies,
    syncOptions: d.syncOptions,
    skipDryRun: d.skipDryRun,
  };
  if (d.hookType !== undefined) task['hookType'] = d.hookType;
  if (d.targetObject !== undefined) task['targetObject'] = d.targetObject;
  if (d.liveObject !== undefined) task['liveObject'] = d.liveObject;
  if (d.hookTimeoutMs !== undefined) task['hookTimeoutMs'] = d.hookTimeoutMs;
  if (d.pruneSkipMessage !== undefined) task['pruneSkipMessage'] = d.pruneSkipMessage;
  if (d.requiresPruneConfirmation) task['requiresPruneConfirmation'] = true;
  if (d.unchanged) task['unchanged'] = true;
  return task as unknown as SyncTask;
}
