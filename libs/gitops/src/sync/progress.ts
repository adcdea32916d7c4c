// Where an operation stands, from its plan and the results recorded so far:
// what to run next, what to wait for, or how it ended. The same decision
// gitops-engine's Sync() makes on every pass, as a pure function, so an
// operation resumed after a crash continues from status.operationState alone.
import { OperationPhase } from '@flotilla/api';
import { hooksToDeleteOnFailure, hooksToDeleteOnSuccess } from './hook-cleanup.js';
import { indexResults, resultId, type SyncResourceResult } from './results.js';
import { isHookTask } from './steps.js';
import { SyncTaskType, type SyncPlan, type SyncStep, type SyncTask } from './types.js';

/** The message of a sync that failed. */
export const SYNC_FAILED_MESSAGE = 'one or more synchronization tasks completed unsuccessfully';
/** The message of a sync that ran every task. */
export const SYNC_SUCCEEDED_MESSAGE = 'successfully synced (all tasks run)';

/** The next thing an executor does for an operation. */
export type SyncProgress =
  /** Run these pending tasks of one step. */
  | {
      readonly kind: 'run-step';
      readonly step: SyncStep;
      readonly tasks: readonly SyncTask[];
      readonly message: string;
    }
  /** The step prunes under `Prune=confirm`; wait for approval. */
  | {
      readonly kind: 'await-prune-confirmation';
      readonly step: SyncStep;
      readonly tasks: readonly SyncTask[];
      readonly message: string;
    }
  /** Tasks are running (hooks, or resources becoming healthy); look again later. */
  | { readonly kind: 'wait'; readonly tasks: readonly SyncTask[]; readonly message: string }
  /** The sync failed: delete HookFailed hooks and run the SyncFail hooks. */
  | {
      readonly kind: 'run-sync-fail';
      readonly tasks: readonly SyncTask[];
      readonly hooksToDelete: readonly SyncTask[];
      readonly message: string;
    }
  /** The operation is over; delete these hooks by their policies. */
  | {
      readonly kind: 'finished';
      readonly phase: typeof OperationPhase.Succeeded | typeof OperationPhase.Failed;
      readonly message: string;
      readonly hooksToDelete: readonly SyncTask[];
    };

type TaskState = 'pending' | 'running' | 'succeeded' | 'failed';

/** Decides the next thing to do for `plan` given the results recorded so far. */
export function syncProgress(plan: SyncPlan, results: readonly SyncResourceResult[]): SyncProgress {
  const index = indexResults(results);
  const state = (t: SyncTask): TaskState => taskState(t, index.get(resultId(t.key, t.phase)));
  const all = [...plan.tasks, ...plan.syncFailTasks];

  const blocking = all.filter((t) => state(t) === 'running' && blocksProgress(plan, t));
  if (blocking.length > 0)
    return { kind: 'wait', tasks: blocking, message: runningMessage(blocking) };

  if (plan.tasks.some((t) => state(t) === 'failed')) return failure(plan, all, index, state);

  const pending = plan.tasks.filter((t) => state(t) === 'pending');
  const first = pending[0];
  if (!first) {
    return {
      kind: 'finished',
      phase: OperationPhase.Succeeded,
      message: SYNC_SUCCEEDED_MESSAGE,
      hooksToDelete: hooksToDeleteOnSuccess(all, index),
    };
  }
  const step = plan.steps.find((s) => s.tasks.includes(first)) as SyncStep;
  const tasks = step.tasks.filter((t) => state(t) === 'pending');
  const confirm = tasks.filter((t) => t.requiresPruneConfirmation);
  if (confirm.length > 0 && !plan.pruneConfirmed) {
    return { kind: 'await-prune-confirmation', step, tasks, message: confirmationMessage(confirm) };
  }
  return { kind: 'run-step', step, tasks, message: 'one or more tasks are running' };
}

/** The index of the step to run next, or undefined when nothing is to be started now. */
export function nextStepIndex(
  plan: SyncPlan,
  results: readonly SyncResourceResult[],
): number | undefined {
  const progress = syncProgress(plan, results);
  return progress.kind === 'run-step' || progress.kind === 'await-prune-confirmation'
    ? progress.step.index
    : undefined;
}

/** The operation's phase and message: Running until {@link syncProgress} says it finished. */
export function syncOutcome(
  plan: SyncPlan,
  results: readonly SyncResourceResult[],
): { readonly phase: OperationPhase; readonly message: string } {
  const progress = syncProgress(plan, results);
  const phase = progress.kind === 'finished' ? progress.phase : OperationPhase.Running;
  return { phase, message: progress.message };
}

function taskState(task: SyncTask, result: SyncResourceResult | undefined): TaskState {
  // A hook deletion has no result of its own: it is done once its hook has one.
  if (task.type === SyncTaskType.DeleteBeforeHook) return result ? 'succeeded' : 'pending';
  switch (result?.hookPhase) {
    case undefined:
      return 'pending';
    case OperationPhase.Running:
    case OperationPhase.Terminating:
      return 'running';
    case OperationPhase.Succeeded:
      return 'succeeded';
    default:
      return 'failed';
  }
}

/**
 * Running hooks and prunes still being deleted always hold the operation.
 * Running resources hold it only in a multi-step sync, and not in the last
 * step unless that step has hooks: as in gitops-engine, the sync succeeds once
 * the last step's resources are applied.
 */
function blocksProgress(plan: SyncPlan, task: SyncTask): boolean {
  if (isHookTask(task) || task.type === SyncTaskType.Prune) return true;
  if (!plan.multiStep) return false;
  const last = plan.steps[plan.steps.length - 1];
  return !last || !last.tasks.includes(task) || last.tasks.some(isHookTask);
}

function failure(
  plan: SyncPlan,
  all: readonly SyncTask[],
  index: ReadonlyMap<string, SyncResourceResult>,
  state: (t: SyncTask) => TaskState,
): SyncProgress {
  const syncFailed = plan.tasks.filter(
    (t) => index.get(resultId(t.key, t.phase))?.status === 'SyncFailed',
  );
  let message = withReasons(SYNC_FAILED_MESSAGE, syncFailed, index);
  const hooksToDelete = hooksToDeleteOnFailure(all, index);
  const syncFail = plan.syncFailTasks;
  if (syncFail.every((t) => state(t) === 'succeeded' || state(t) === 'failed')) {
    const failedHooks = syncFail.filter(
      (t) => t.type === SyncTaskType.Hook && state(t) === 'failed',
    );
    if (failedHooks.length > 0) {
      message = `${message}\n${withReasons('one or more SyncFail hooks failed', failedHooks, index)}`;
    }
    return { kind: 'finished', phase: OperationPhase.Failed, message, hooksToDelete };
  }
  const pending = syncFail.filter((t) => state(t) === 'pending');
  return { kind: 'run-sync-fail', tasks: pending, hooksToDelete, message };
}

function withReasons(
  message: string,
  tasks: readonly SyncTask[],
  index: ReadonlyMap<string, SyncResourceResult>,
): string {
  const reasons = [
    ...new Set(tasks.map((t) => index.get(resultId(t.key, t.phase))?.message ?? '')),
  ].filter((m) => m !== '');
  return reasons.length > 0 ? `${message}, reason: ${reasons.join(',')}` : message;
}

function runningMessage(tasks: readonly SyncTask[]): string {
  const hooks = tasks.filter(isHookTask);
  const resources = tasks.filter((t) => !isHookTask(t));
  const deleting = tasks.every((t) => t.type === SyncTaskType.Prune);
  const reason = deleting
    ? 'deletion of'
    : hooks.length > 0
      ? 'completion of hook'
      : 'healthy state of';
  const what = resources.length > 0 ? 'resources' : 'hooks';
  const first = hooks[0] ?? resources[0];
  const head = `waiting for ${reason} ${first?.key.group}/${first?.key.kind}/${first?.name}`;
  return tasks.length > 1 ? `${head} and ${tasks.length - 1} more ${what}` : head;
}

function confirmationMessage(tasks: readonly SyncTask[]): string {
  const first = tasks[0];
  const apiVersion = first?.liveObject?.['apiVersion'];
  const name = `${typeof apiVersion === 'string' ? apiVersion : ''}/${first?.key.kind}/${first?.name}`;
  const more = tasks.length > 1 ? ` and ${tasks.length - 1} more resources` : '';
  return `Waiting for pruning confirmation of ${name}${more}`;
}
