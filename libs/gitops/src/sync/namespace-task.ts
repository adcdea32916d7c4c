// `CreateNamespace=true`: a PreSync task that creates the destination namespace
// (with managedNamespaceMetadata) when the manifests do not declare it.
import { SyncPhase } from '@flotilla/api';
import type { TaskDraft } from './draft.js';
import { groupOf, kindOf, metadataOf, metaString, type KubeObject } from '../resource/index.js';
import type { CompiledSyncPlanOptions, PlanResource } from './plan-options.js';
import { effectiveSyncOptions } from './sync-options.js';
import { SyncTaskType } from './types.js';

/**
 * The draft that creates or updates the destination namespace, or undefined
 * when CreateNamespace is off, there is no destination namespace, the manifests
 * declare it themselves, or it exists and already carries the managed metadata.
 */
export function draftNamespaceCreation(
  desired: readonly PlanResource[],
  opts: CompiledSyncPlanOptions,
): TaskDraft | undefined {
  const name = opts.destinationNamespace;
  if (!opts.appSyncOptions.createNamespace || name === '') return undefined;
  const declared = desired.some(
    (r) =>
      kindOf(r.object) === 'Namespace' &&
      groupOf(r.object) === '' &&
      metaString(r.object, 'name') === name,
  );
  if (declared) return undefined;
  const meta = opts.managedNamespaceMetadata;
  const live = opts.destinationNamespaceObject ?? undefined;
  if (
    live &&
    carries(live, meta?.labels, 'labels') &&
    carries(live, meta?.annotations, 'annotations')
  ) {
    return undefined;
  }
  const metadata: Record<string, unknown> = { name };
  if (meta?.labels) metadata['labels'] = { ...meta.labels };
  if (meta?.annotations) metadata['annotations'] = { ...meta.annotations };
  const draft: TaskDraft = {
    key: { group: '', kind: 'Namespace', namespace: '', name },
    phase: SyncPhase.PreSync,
    wave: 0,
    type: SyncTaskType.Apply,
    deletePolicies: [],
    syncOptions: effectiveSyncOptions(opts.appSyncOptions),
    targetObject: { apiVersion: 'v1', kind: 'Namespace', metadata },
    skipDryRun: false,
  };
  if (live) draft.liveObject = live;
  return draft;
}

function carries(
  live: KubeObject,
  wanted: Readonly<Record<string, string>> | undefined,
  field: 'labels' | 'annotations',
): boolean {
  if (!wanted) return true;
  const have = metadataOf(live)[field];
  const map = typeof have === 'object' && have !== null ? (have as Record<string, unknown>) : {};
  return Object.entries(wanted).every(([k, v]) => map[k] === v);
}
