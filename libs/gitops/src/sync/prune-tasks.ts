// Prune drafts for live objects that are no longer desired, in reverse wave
// order, with PruneLast ones moved after the last wave.
import { SyncPhase } from '@flotilla/api';
import type { ResourceKey } from '@flotilla/contracts';
import type { TaskDraft } from './draft.js';
import { ResourceRole, type KubeObject } from '../resource/index.js';
import { isSelected } from './keys.js';
import type { CompiledSyncPlanOptions } from './plan-options.js';
import { readResourceAnnotations } from './resource-annotations.js';
import { DeletionMode, effectiveSyncOptions } from './sync-options.js';
import { DropReason, SyncTaskType, type DroppedResource, type PlanWarning } from './types.js';

/** The PruneSkipped message when the operation does not prune. */
export const PRUNE_DISABLED_MESSAGE = 'ignored (requires pruning)';
/** The PruneSkipped message for `Prune=false`. */
export const PRUNE_FALSE_MESSAGE = 'ignored (no prune)';

/** A live object with its key, not paired with any desired object. */
export interface Orphan {
  readonly key: ResourceKey;
  readonly object: KubeObject;
}

/**
 * One prune draft per orphan that is an ordinary resource. Hooks, Skip
 * resources and dropped hooks are never pruned. A prune that will not delete
 * still gets a task, so its PruneSkipped result shows in the operation.
 */
export function draftPrunes(
  orphans: readonly Orphan[],
  opts: CompiledSyncPlanOptions,
  dropped: DroppedResource[],
  warnings: PlanWarning[],
): TaskDraft[] {
  const drafts: TaskDraft[] = [];
  for (const { key, object } of orphans) {
    const ann = readResourceAnnotations(object, opts.defaultHookTimeoutMs);
    if (ann.role !== ResourceRole.Resource) continue;
    if (opts.resources && !isSelected(key, opts.resources)) {
      dropped.push({ key, reason: DropReason.NotSelected });
      continue;
    }
    for (const message of ann.warnings) warnings.push({ key, message });
    const syncOptions = effectiveSyncOptions(opts.appSyncOptions, ann.syncOptions.values);
    const draft: TaskDraft = {
      key,
      phase: SyncPhase.Sync,
      wave: ann.wave,
      type: SyncTaskType.Prune,
      deletePolicies: [],
      syncOptions,
      liveObject: object,
      skipDryRun: false,
    };
    if (!opts.prune) draft.pruneSkipMessage = PRUNE_DISABLED_MESSAGE;
    else if (syncOptions.prune === DeletionMode.Disabled)
      draft.pruneSkipMessage = PRUNE_FALSE_MESSAGE;
    else if (syncOptions.prune === DeletionMode.Confirm) draft.requiresPruneConfirmation = true;
    drafts.push(draft);
  }
  return drafts;
}

/**
 * Mirrors the prune waves so that what was created first is deleted last: the
 * lowest prune wave swaps with the highest, the second lowest with the second
 * highest, and so on.
 */
export function reversePruneWaves(prunes: readonly TaskDraft[]): void {
  const waves = [...new Set(prunes.map((p) => p.wave))].sort((a, b) => a - b);
  const mirror = new Map(waves.map((w, i) => [w, waves[waves.length - 1 - i] ?? w]));
  for (const p of prunes) p.wave = mirror.get(p.wave) ?? p.wave;
}

/**
 * Moves PruneLast prunes (app option or the live object's own) to one wave
 * after the last Sync-phase wave, counting at least wave 0.
 */
export function applyPruneLast(all: readonly TaskDraft[]): void {
  let last = 0;
  for (const d of all) if (d.phase === SyncPhase.Sync && d.wave > last) last = d.wave;
  for (const d of all) {
    if (d.type === SyncTaskType.Prune && d.syncOptions.pruneLast) d.wave = last + 1;
  }
}
