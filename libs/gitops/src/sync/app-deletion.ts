// Deleting an Application that carries a resources finalizer: which
// finalizers ask for what, which of the app's live objects go and in what
// order, and when `Delete=confirm` / `Prune=confirm` count as approved. As
// Argo CD: without a resources finalizer nothing is deleted, `Delete=false`
// keeps an object, deletion hooks are left to their own delete policies, and
// confirmation needs an approval annotation newer than the start.
import { FINALIZER_MAP, Finalizer } from '@flotilla/api';
import type { ResourceKey } from '@flotilla/contracts';
import { ResourceRole, annotationsOf, type KubeObject } from '../resource/index.js';
import { unixSeconds } from './naming.js';
import { readResourceAnnotations } from './resource-annotations.js';
import { DeletionMode, effectiveSyncOptions, parseAppSyncOptions } from './sync-options.js';

/** Argo CD's spellings of the Application finalizers (see `Finalizer` in @flotilla/api). */
export const ARGO_FINALIZERS: readonly string[] = Object.keys(FINALIZER_MAP);

/**
 * Finalizers that make deleting an Application delete its resources, in both
 * spellings. The bare name deletes in the foreground, `/background` in the
 * background.
 */
export const RESOURCES_FINALIZERS: readonly string[] = [
  Finalizer.Resources,
  Finalizer.ResourcesForeground,
  Finalizer.ResourcesBackground,
  ...ARGO_FINALIZERS.filter((f) => f.startsWith('resources-finalizer.')),
];

/** Finalizers that hold an Application until its PostDelete hooks ran, in both spellings. */
export const POST_DELETE_FINALIZERS: readonly string[] = [
  Finalizer.PostDelete,
  Finalizer.PostDeleteCleanup,
  ...ARGO_FINALIZERS.filter((f) => f.startsWith('post-delete-finalizer.')),
];

/** Annotations on an Application that approve `Delete=confirm` and `Prune=confirm` deletions. */
export const DELETION_APPROVED_ANNOTATIONS = [
  'flotilla.dev/deletion-approved',
  'argocd.argoproj.io/deletion-approved',
] as const;

/** How an Application's finalizers say it is to be deleted. */
export interface AppDeletionMode {
  /** The finalizers the applier removes once the deletion is done (empty: not its business). */
  readonly handled: readonly string[];
  /** A resources finalizer is present: the app's resources are deleted. */
  readonly cascade: boolean;
  /** Propagation of every deletion: Background only for a `/background` finalizer. */
  readonly propagation: 'Foreground' | 'Background';
}

/** Reads an Application's finalizers. */
export function appDeletionMode(finalizers: readonly string[] | undefined): AppDeletionMode {
  const list = finalizers ?? [];
  const resources = list.filter((f) => RESOURCES_FINALIZERS.includes(f));
  const handled = list.filter(
    (f) => RESOURCES_FINALIZERS.includes(f) || POST_DELETE_FINALIZERS.includes(f),
  );
  const background = resources.length > 0 && resources.every((f) => f.endsWith('/background'));
  return {
    handled,
    cascade: resources.length > 0,
    propagation: background ? 'Background' : 'Foreground',
  };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * True when the app carries an approval annotation (`flotilla.dev/` or
 * `argocd.argoproj.io/deletion-approved`) holding an RFC 3339 time at or
 * after `since`, compared to the second as Argo CD does. Anything unreadable
 * approves nothing.
 */
export function isDeletionApproved(app: KubeObject, since: Date | string | number): boolean {
  const ann = annotationsOf(app);
  const from = unixSeconds(since);
  if (!Number.isFinite(from)) return false;
  return DELETION_APPROVED_ANNOTATIONS.some((name) => {
    const value = ann[name]?.trim();
    if (value === undefined || !RFC3339.test(value)) return false;
    const at = unixSeconds(value);
    return Number.isFinite(at) && at >= from;
  });
}

/** A live object of the app, with its key. */
export interface LiveResource {
  readonly key: ResourceKey;
  readonly object: KubeObject;
}

/** One wave of an app deletion: deleted together, gone before the next wave starts. */
export interface DeletionWave {
  readonly wave: number;
  readonly resources: readonly LiveResource[];
}

/** What deleting an app's resources does. */
export interface AppDeletionPlan {
  /** Highest sync wave first, so what was created first goes last. */
  readonly waves: readonly DeletionWave[];
  /** `Delete=false` (or `helm.sh/resource-policy: keep`): left in place. */
  readonly kept: readonly ResourceKey[];
  /** `Delete=confirm` without approval: nothing is deleted while any is listed. */
  readonly awaitingApproval: readonly ResourceKey[];
}

/** What {@link planAppDeletion} needs besides the live objects. */
export interface AppDeletionOptions {
  /** `spec.syncPolicy.syncOptions`: an app-wide `Delete=` applies to every object. */
  readonly appSyncOptions?: readonly string[];
  /** The app carries an approval newer than its deletion (see {@link isDeletionApproved}). */
  readonly approved: boolean;
}

/**
 * Plans the deletion of `live`, which must be only the objects carrying the
 * app's own tracking id. PreDelete/PostDelete hooks are left out: their delete
 * policies decide.
 */
export function planAppDeletion(
  live: readonly LiveResource[],
  options: AppDeletionOptions,
): AppDeletionPlan {
  const app = parseAppSyncOptions(options.appSyncOptions).values;
  const byWave = new Map<number, LiveResource[]>();
  const kept: ResourceKey[] = [];
  const awaitingApproval: ResourceKey[] = [];
  for (const r of live) {
    const ann = readResourceAnnotations(r.object);
    if (ann.role === ResourceRole.DeletionHook || ann.deletionHooks.length > 0) continue;
    const mode = effectiveSyncOptions(app, ann.syncOptions.values).delete;
    if (mode === DeletionMode.Disabled) {
      kept.push(r.key);
      continue;
    }
    if (mode === DeletionMode.Confirm && !options.approved) awaitingApproval.push(r.key);
    const wave = byWave.get(ann.wave) ?? [];
    wave.push(r);
    byWave.set(ann.wave, wave);
  }
  const waves = [...byWave.entries()]
    .sort(([a], [b]) => b - a)
    .map(([wave, resources]) => ({ wave, resources }));
  return { waves, kept, awaitingApproval };
}

/** `Waiting for deletion confirmation of <group>/<kind>/<name> and N more resources`. */
export function deletionConfirmationMessage(keys: readonly ResourceKey[]): string {
  const first = keys[0];
  if (!first) return '';
  const more = keys.length > 1 ? ` and ${keys.length - 1} more resources` : '';
  return `Waiting for deletion confirmation of ${first.group}/${first.kind}/${first.name}${more}`;
}
