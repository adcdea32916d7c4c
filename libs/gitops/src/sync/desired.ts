// Desired objects into apply and hook drafts: hooks come out of the desired set
// (never applied as resources), Skip and unusable hooks are dropped, and
// generateName-only hooks get their deterministic names.
import { HookType, SyncPhase } from '@flotilla/api';
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';
import type { TaskDraft } from './draft.js';
import {
  ResourceRole,
  metaString,
  metadataOf,
  withMetadata,
  type KubeObject,
} from '../resource/index.js';
import { isSelected, objectKey } from './keys.js';
import { hookObjectName } from './naming.js';
import type { CompiledSyncPlanOptions, PlanResource } from './plan-options.js';
import { readResourceAnnotations, type ResourceAnnotations } from './resource-annotations.js';
import { effectiveSyncOptions } from './sync-options.js';
import { DropReason, SyncTaskType, type DroppedResource, type PlanWarning } from './types.js';

/** What the desired set contributes to a plan. */
export interface DesiredDrafts {
  readonly applies: TaskDraft[];
  readonly hooks: TaskDraft[];
  /** Keys of live objects paired with a desired resource: not prune candidates. */
  readonly pairedLive: Set<string>;
  readonly dropped: DroppedResource[];
  readonly warnings: PlanWarning[];
}

/** Sorts the desired objects into apply drafts and hook drafts. */
export function draftDesired(
  desired: readonly PlanResource[],
  liveByKey: ReadonlyMap<string, KubeObject>,
  opts: CompiledSyncPlanOptions,
): DesiredDrafts {
  const out: DesiredDrafts = {
    applies: [],
    hooks: [],
    pairedLive: new Set(),
    dropped: [],
    warnings: [],
  };
  for (const res of desired) {
    const key = res.key ?? objectKey(res.object, opts.destinationNamespace, opts.isNamespaced);
    const ann = readResourceAnnotations(res.object, opts.defaultHookTimeoutMs);
    for (const message of ann.warnings) out.warnings.push({ key, message });
    switch (ann.role) {
      case ResourceRole.Resource:
        draftApply(res.object, key, ann, liveByKey, opts, out);
        break;
      case ResourceRole.Hook:
        if (opts.skipHooks) out.dropped.push({ key, reason: DropReason.HooksSkipped });
        else draftHooks(res.object, key, ann, liveByKey, opts, out);
        break;
      case ResourceRole.Skip:
        // A Skip object still pairs with its live object, so that is not pruned either.
        out.pairedLive.add(resourceKeyString(key));
        out.dropped.push({ key, reason: DropReason.Skip });
        break;
      case ResourceRole.DeletionHook:
        out.dropped.push({ key, reason: DropReason.DeletionHook });
        break;
      case ResourceRole.Invalid:
        out.dropped.push({ key, reason: DropReason.InvalidHook });
        break;
    }
  }
  return out;
}

function draftApply(
  obj: KubeObject,
  key: ResourceKey,
  ann: ResourceAnnotations,
  liveByKey: ReadonlyMap<string, KubeObject>,
  opts: CompiledSyncPlanOptions,
  out: DesiredDrafts,
): void {
  const id = resourceKeyString(key);
  const live = liveByKey.get(id);
  out.pairedLive.add(id);
  if (opts.resources && !isSelected(key, opts.resources)) {
    out.dropped.push({ key, reason: DropReason.NotSelected });
    return;
  }
  const syncOptions = effectiveSyncOptions(opts.appSyncOptions, ann.syncOptions.values);
  if (syncOptions.applyOutOfSyncOnly && live && opts.isModified(key) === false) {
    out.dropped.push({ key, reason: DropReason.InSync });
    return;
  }
  const draft: TaskDraft = {
    key,
    phase: SyncPhase.Sync,
    wave: ann.wave,
    type: SyncTaskType.Apply,
    deletePolicies: [],
    syncOptions,
    targetObject: withNamespace(obj, key),
    skipDryRun: false,
  };
  if (live) draft.liveObject = live;
  // A plain server-side apply of what is already in sync changes nothing; the
  // other ways of writing (replace, force, client-side) are always carried out.
  const plain =
    syncOptions.serverSideApply &&
    !syncOptions.replace &&
    syncOptions.validate &&
    !syncOptions.force;
  if (live && plain && opts.isModified(key) === false) draft.unchanged = true;
  out.applies.push(draft);
}

function draftHooks(
  obj: KubeObject,
  baseKey: ResourceKey,
  ann: ResourceAnnotations,
  liveByKey: ReadonlyMap<string, KubeObject>,
  opts: CompiledSyncPlanOptions,
  out: DesiredDrafts,
): void {
  const syncOptions = effectiveSyncOptions(opts.appSyncOptions, ann.syncOptions.values);
  for (const phase of ann.phases) {
    const name = hookObjectName(obj, opts.revision, phase, opts.startedAtUnix, opts.app);
    const key = { ...baseKey, name };
    const finalizers = hookFinalizers(obj, opts.hookFinalizer);
    const target = withMetadata(withNamespace(obj, key), { name, ...finalizers });
    const draft: TaskDraft = {
      key,
      phase,
      wave: ann.wave,
      type: SyncTaskType.Hook,
      hookType: HookType[phase],
      deletePolicies: ann.deletePolicies,
      syncOptions,
      targetObject: target,
      skipDryRun: false,
    };
    const live = liveByKey.get(resourceKeyString(key));
    if (live) draft.liveObject = live;
    if (ann.hookTimeoutMs !== undefined) draft.hookTimeoutMs = ann.hookTimeoutMs;
    out.hooks.push(draft);
  }
}

function withNamespace(obj: KubeObject, key: ResourceKey): KubeObject {
  if (key.namespace === '' || metaString(obj, 'namespace') !== '') return obj;
  return withMetadata(obj, { namespace: key.namespace });
}

function hookFinalizers(obj: KubeObject, finalizer: string | undefined): Record<string, unknown> {
  if (finalizer === undefined) return {};
  const existing = metadataOf(obj)['finalizers'];
  const list = Array.isArray(existing) ? existing.filter((f) => typeof f === 'string') : [];
  return list.includes(finalizer) ? {} : { finalizers: [...list, finalizer] };
}
