// The sync plan: desired and live objects in, an ordered list of tasks grouped
// into steps out, as gitops-engine's getSyncTasks and Sort build it.
import { SyncPhase } from '@flotilla/api';
import { resourceKeyString } from '@flotilla/contracts';
import { draftDesired } from './desired.js';
import { finishTask, type TaskDraft } from './draft.js';
import {
  HookDeletePolicy,
  groupOf,
  kindOf,
  nestedString,
  type KubeObject,
} from '../resource/index.js';
import { objectKey } from './keys.js';
import { draftNamespaceCreation } from './namespace-task.js';
import { orderDrafts } from './order.js';
import {
  compileSyncPlanOptions,
  type CompiledSyncPlanOptions,
  type PlanResource,
  type SyncPlanOptions,
} from './plan-options.js';
import { applyPruneLast, draftPrunes, reversePruneWaves, type Orphan } from './prune-tasks.js';
import { groupSteps } from './steps.js';
import { SyncTaskType, type SyncPlan } from './types.js';

/** The input of {@link planSync}. */
export interface SyncPlanInput {
  /** The rendered manifests, hooks included. */
  readonly desired: readonly PlanResource[];
  /** The live objects this app tracks. */
  readonly live: readonly PlanResource[];
  readonly options: SyncPlanOptions;
}

/**
 * Plans a sync. Pure: the same input gives the same plan, so an operation that
 * is resumed after a crash re-plans and finds its place from the results so far.
 */
export function planSync(input: SyncPlanInput): SyncPlan {
  const opts = compileSyncPlanOptions(input.options);
  const live = input.live.map((r) => ({
    key: r.key ?? objectKey(r.object, opts.destinationNamespace, opts.isNamespaced),
    object: r.object,
  }));
  const liveByKey = new Map<string, KubeObject>(
    live.map((r) => [resourceKeyString(r.key), r.object]),
  );

  const desired = draftDesired(input.desired, liveByKey, opts);
  const orphans: Orphan[] = live.filter((r) => !desired.pairedLive.has(resourceKeyString(r.key)));
  const prunes = draftPrunes(orphans, opts, desired.dropped, desired.warnings);
  reversePruneWaves(prunes);

  const drafts: TaskDraft[] = [...desired.applies, ...desired.hooks, ...prunes];
  const namespace = draftNamespaceCreation(input.desired, opts);
  if (namespace) drafts.push(namespace);
  applyPruneLast(drafts);
  orderDrafts(drafts);
  markSkipDryRun(drafts, input.desired, opts);

  const tasks = withHookDeletions(drafts).map(finishTask);
  const first = tasks[0];
  const last = tasks[tasks.length - 1];
  const main = tasks.filter((t) => t.phase !== SyncPhase.SyncFail);
  const steps = groupSteps(main);
  return {
    tasks: steps.flatMap((s) => s.tasks),
    steps,
    syncFailTasks: tasks.filter((t) => t.phase === SyncPhase.SyncFail),
    multiStep: !!first && !!last && (first.phase !== last.phase || first.wave !== last.wave),
    revision: opts.revision,
    dryRun: opts.dryRun,
    prune: opts.prune,
    pruneConfirmed: opts.pruneConfirmed,
    dropped: desired.dropped,
    warnings: [
      ...opts.unknownAppSyncOptions.map((item) => ({ message: `unknown sync option "${item}"` })),
      ...desired.warnings,
    ],
  };
}

/** A BeforeHookCreation deletion before every hook whose object already exists. */
function withHookDeletions(drafts: readonly TaskDraft[]): TaskDraft[] {
  return drafts.flatMap((d) => {
    const deletes =
      d.type === SyncTaskType.Hook &&
      d.liveObject !== undefined &&
      d.deletePolicies.includes(HookDeletePolicy.BeforeHookCreation);
    const deletion = { ...d, type: SyncTaskType.DeleteBeforeHook, targetObject: undefined };
    return deletes ? [{ ...deletion, hookTimeoutMs: undefined }, d] : [d];
  });
}

/**
 * A kind discovery does not know yet skips the dry run when its CRD is part of
 * this sync or SkipDryRunOnMissingResource=true says so.
 */
function markSkipDryRun(
  drafts: readonly TaskDraft[],
  desired: readonly PlanResource[],
  opts: CompiledSyncPlanOptions,
): void {
  const crdKinds = new Set<string>();
  for (const { object } of desired) {
    if (kindOf(object) !== 'CustomResourceDefinition') continue;
    const group = nestedString(object, 'spec', 'group');
    const kind = nestedString(object, 'spec', 'names', 'kind');
    if (group !== undefined && kind !== undefined) crdKinds.add(`${group}/${kind}`);
  }
  for (const d of drafts) {
    if (!d.targetObject) continue;
    const group = groupOf(d.targetObject);
    const kind = kindOf(d.targetObject);
    const unknownKind = opts.isNamespaced?.(group, kind) === undefined;
    d.skipDryRun =
      unknownKind &&
      (d.syncOptions.skipDryRunOnMissingResource || crdKinds.has(`${group}/${kind}`));
  }
}
