// Tasks grouped the way an executor runs them: one step per (phase, wave), and
// inside a step prunes first, then hook deletions, then applies kind by kind.
import type { SyncStep, SyncTask } from './types.js';
import { SyncTaskType } from './types.js';

const WITHIN_STEP: readonly string[] = [SyncTaskType.Prune, SyncTaskType.DeleteBeforeHook];

/** Groups ordered tasks into steps by (phase, wave), keeping each group's order otherwise. */
export function groupSteps(tasks: readonly SyncTask[]): SyncStep[] {
  const groups: SyncTask[][] = [];
  let current: SyncTask[] = [];
  for (const task of tasks) {
    const head = current[0];
    if (head && (head.phase !== task.phase || head.wave !== task.wave)) {
      groups.push(current);
      current = [];
    }
    current.push(task);
  }
  if (current.length > 0) groups.push(current);
  return groups.map((group, index) => ({
    index,
    phase: group[0]?.phase ?? 'Sync',
    wave: group[0]?.wave ?? 0,
    tasks: withinStepOrder(group),
  }));
}

/** Prunes, then delete-before-hook tasks, then the rest; stable otherwise. */
function withinStepOrder(group: readonly SyncTask[]): SyncTask[] {
  const rank = (t: SyncTask) => {
    const i = WITHIN_STEP.indexOf(t.type);
    return i < 0 ? WITHIN_STEP.length : i;
  };
  return group
    .map((task, i) => ({ task, i }))
    .sort((a, b) => rank(a.task) - rank(b.task) || a.i - b.i)
    .map(({ task }) => task);
}

/**
 * The apply and hook tasks of a step in batches of one kind, in order: the
 * resources of one batch can be applied in parallel, batches one after another.
 */
export function applyBatches(step: SyncStep): SyncTask[][] {
  const batches: SyncTask[][] = [];
  for (const task of step.tasks) {
    if (task.type !== SyncTaskType.Apply && task.type !== SyncTaskType.Hook) continue;
    const last = batches[batches.length - 1];
    if (last?.[0]?.key.kind === task.key.kind) last.push(task);
    else batches.push([task]);
  }
  return batches;
}

/** True for a hook task or the deletion that precedes one. */
export function isHookTask(task: SyncTask): boolean {
  return task.type === SyncTaskType.Hook || task.type === SyncTaskType.DeleteBeforeHook;
}
