// Which hooks to delete when an operation ends, by their delete policies.
import { OperationPhase } from '@flotilla/api';
import { HookDeletePolicy } from '../resource/index.js';
import { resultId, type SyncResourceResult } from './results.js';
import { SyncTaskType, type SyncTask } from './types.js';

type ResultIndex = ReadonlyMap<string, SyncResourceResult>;

function hooksWith(
  tasks: readonly SyncTask[],
  policy: HookDeletePolicy,
  results: ResultIndex | undefined,
): SyncTask[] {
  return tasks.filter((t) => {
    if (t.type !== SyncTaskType.Hook || !t.deletePolicies.includes(policy)) return false;
    if (!results) return true;
    const phase = results.get(resultId(t.key, t.phase))?.hookPhase;
    return phase !== undefined && phase !== OperationPhase.Running;
  });
}

/**
 * Hooks with HookSucceeded, to delete once the whole operation has succeeded.
 * With results, only hooks that were created and are no longer running.
 */
export function hooksToDeleteOnSuccess(
  tasks: readonly SyncTask[],
  results?: ResultIndex,
): SyncTask[] {
  return hooksWith(tasks, HookDeletePolicy.HookSucceeded, results);
}

/**
 * Hooks with HookFailed, to delete when the operation fails or is terminated.
 * With results, only hooks that were created and are no longer running.
 */
export function hooksToDeleteOnFailure(
  tasks: readonly SyncTask[],
  results?: ResultIndex,
): SyncTask[] {
  return hooksWith(tasks, HookDeletePolicy.HookFailed, results);
}

/**
 * Hooks to delete when an operation is terminated: every hook still running
 * (it is stopped), and every finished hook with HookFailed.
 */
export function hooksToDeleteOnTerminate(
  tasks: readonly SyncTask[],
  results: ResultIndex,
): SyncTask[] {
  const failed = new Set(hooksToDeleteOnFailure(tasks, results).map((t) => t.id));
  return tasks.filter(
    (t) =>
      t.type === SyncTaskType.Hook &&
      (failed.has(t.id) ||
        results.get(resultId(t.key, t.phase))?.hookPhase === OperationPhase.Running),
  );
}
