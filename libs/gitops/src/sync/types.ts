// The vocabulary of a sync plan: tasks, steps and the plan itself.
import type { HookType, SyncPhase } from '@flotilla/api';
import type { ResourceKey } from '@flotilla/contracts';
import type { HookDeletePolicy, KubeObject } from '../resource/index.js';
import type { EffectiveSyncOptions } from './sync-options.js';

/** What a task does to its resource. */
export const SyncTaskType = {
  /** Apply the desired object (server-side apply by default). */
  Apply: 'apply',
  /** Delete a live object that is no longer desired. */
  Prune: 'prune',
  /** Create a hook and wait for it to finish. */
  Hook: 'hook',
  /** Delete an existing hook of the same name and wait until it is gone. */
  DeleteBeforeHook: 'delete-before-hook',
} as const;
/** What a task does to its resource. */
export type SyncTaskType = (typeof SyncTaskType)[keyof typeof SyncTaskType];

/** One thing a sync does to one resource in one phase. */
export interface SyncTask {
  /** `<group>/<kind>/<namespace>/<name>:<phase>`, plus `:delete` for a delete-before-hook task. */
  readonly id: string;
  readonly key: ResourceKey;
  readonly phase: SyncPhase;
  readonly wave: number;
  /** Position of the kind in KIND_ORDER; custom kinds share the last position. */
  readonly kindOrder: number;
  readonly name: string;
  readonly type: SyncTaskType;
  /** For hook and delete-before-hook tasks: the hook type, equal to the phase. */
  readonly hookType?: HookType;
  /** For hooks: when the hook is deleted; empty for anything else. */
  readonly deletePolicies: readonly HookDeletePolicy[];
  /** App options overlaid with the resource's own. */
  readonly syncOptions: EffectiveSyncOptions;
  /** What to apply or create (namespace filled in, generated hook names set). */
  readonly targetObject?: KubeObject;
  /** The live object, when there is one. */
  readonly liveObject?: KubeObject;
  /** True when the dry run must skip this task: its kind arrives with a CRD in this sync. */
  readonly skipDryRun: boolean;
  /** For hooks: how long the hook may run; undefined means no limit. */
  readonly hookTimeoutMs?: number;
  /** For prunes that will not delete: the PruneSkipped message. */
  readonly pruneSkipMessage?: string;
  /** For prunes under `Prune=confirm`: the deletion waits for approval. */
  readonly requiresPruneConfirmation?: boolean;
  /**
   * For applies: the last comparison found the resource in sync and nothing
   * wrote it since, so applying it would change nothing; the executor records
   * it as unchanged without a request.
   */
  readonly unchanged?: boolean;
}

/** The tasks of one (phase, wave): prunes, then hook deletions, then applies and hooks. */
export interface SyncStep {
  readonly index: number;
  readonly phase: SyncPhase;
  readonly wave: number;
  readonly tasks: readonly SyncTask[];
}

/** Why a resource got no task. */
export const DropReason = {
  /** `Skip`: never applied. */
  Skip: 'skip',
  /** A hook annotation with no known type, such as Helm `test`. */
  InvalidHook: 'invalid-hook',
  /** A PreDelete/PostDelete-only hook: it runs when the app is deleted. */
  DeletionHook: 'deletion-hook',
  /** Hooks are skipped in this sync (selective sync, rollback, self-heal). */
  HooksSkipped: 'hooks-skipped',
  /** Not among the resources a selective sync names. */
  NotSelected: 'not-selected',
  /** `ApplyOutOfSyncOnly` and the resource is in sync. */
  InSync: 'in-sync',
} as const;
/** Why a resource got no task. */
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** A desired or live resource the plan leaves alone, and why. */
export interface DroppedResource {
  readonly key: ResourceKey;
  readonly reason: DropReason;
}

/** Something about the app's options or a resource's annotations that could not be read. */
export interface PlanWarning {
  /** The resource, or undefined for the app's own sync options. */
  readonly key?: ResourceKey;
  readonly message: string;
}

/** A whole sync, ordered and grouped, ready for an executor to run step by step. */
export interface SyncPlan {
  /** Every task except SyncFail hooks, in run order. */
  readonly tasks: readonly SyncTask[];
  /** {@link tasks} grouped by (phase, wave). */
  readonly steps: readonly SyncStep[];
  /** SyncFail hooks: run only when the sync fails. */
  readonly syncFailTasks: readonly SyncTask[];
  /**
   * More than one phase or wave (SyncFail hooks included, as in gitops-engine):
   * applied resources must then become healthy before the next step.
   */
  readonly multiStep: boolean;
  readonly revision: string;
  readonly dryRun: boolean;
  readonly prune: boolean;
  readonly pruneConfirmed: boolean;
  readonly dropped: readonly DroppedResource[];
  readonly warnings: readonly PlanWarning[];
}
