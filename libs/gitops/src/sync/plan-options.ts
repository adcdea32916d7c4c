// What a sync plan is computed from, besides the objects, with its defaults.
import type { SyncOperationResource } from '@flotilla/api';
import type { AppRef, ResourceKey } from '@flotilla/contracts';
import { SyncOptionsError } from './errors.js';
import type { NamespacedLookup } from './keys.js';
import { unixSeconds } from './naming.js';
import type { KubeObject } from '../resource/index.js';
import { DEFAULT_HOOK_TIMEOUT_MS } from './resource-annotations.js';
import { parseAppSyncOptions, type SyncOptionValues } from './sync-options.js';

/** The finalizer put on hooks so their outcome can be read before they go. */
export const HOOK_FINALIZER = 'flotilla.dev/hook-finalizer';

/** A desired or live object, with its key when the caller already knows it. */
export interface PlanResource {
  readonly object: KubeObject;
  /** Computed from the object, the destination namespace and discovery when absent. */
  readonly key?: ResourceKey;
}

/** Everything about one sync operation that shapes its plan. */
export interface SyncPlanOptions {
  /** When the operation started; hook names derive from it. Required. */
  readonly operationStartedAt: Date | string | number;
  /** The resolved revision (commit SHA); hook names use its first 7 characters. */
  readonly revision?: string;
  /** The app synced: generateName-only hooks get a suffix of its own (`hookObjectName`). */
  readonly app?: AppRef;
  /** `spec.destination.namespace`: the namespace of namespaced objects that set none. */
  readonly destinationNamespace?: string;
  /** Discovery: whether a kind is namespaced (undefined when the kind is unknown). */
  readonly isNamespaced?: NamespacedLookup;
  /** Delete live resources that are no longer desired. Default false. */
  readonly prune?: boolean;
  /** The operation only validates. Default false. */
  readonly dryRun?: boolean;
  /** `Prune=confirm` deletions are approved. Default false. */
  readonly pruneConfirmed?: boolean;
  /**
   * Leave hooks out. Default: true for a selective sync (`resources` given),
   * false otherwise; set it for rollbacks, self-heal and the apply strategy.
   */
  readonly skipHooks?: boolean;
  /** A selective sync: only these resources are applied or pruned. */
  readonly resources?: readonly SyncOperationResource[];
  /** `spec.syncPolicy.syncOptions`. */
  readonly syncOptions?: readonly string[];
  /** The operation's own `syncOptions`, which win over the app's. */
  readonly operationSyncOptions?: readonly string[];
  /** The sync strategy's `force`. Default false. */
  readonly force?: boolean;
  /** The hook timeout when `flotilla.dev/hook-timeout` is absent. Default 5 minutes. */
  readonly defaultHookTimeoutMs?: number;
  /**
   * The diff's verdict per resource: false when it is in sync (left out under
   * `ApplyOutOfSyncOnly`, else marked unchanged); undefined when unknown.
   */
  readonly isModified?: (key: ResourceKey) => boolean | undefined;
  /** `spec.syncPolicy.managedNamespaceMetadata`, for `CreateNamespace=true`. */
  readonly managedNamespaceMetadata?: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  /** The live destination Namespace, or null when it does not exist. */
  readonly destinationNamespaceObject?: KubeObject | null;
  /** The finalizer added to hooks, or false for none. Default {@link HOOK_FINALIZER}. */
  readonly hookFinalizer?: string | false;
}

/** {@link SyncPlanOptions} with every default applied. */
export interface CompiledSyncPlanOptions {
  readonly startedAtUnix: number;
  readonly revision: string;
  readonly app: AppRef | undefined;
  readonly destinationNamespace: string;
  readonly isNamespaced: NamespacedLookup | undefined;
  readonly prune: boolean;
  readonly dryRun: boolean;
  readonly pruneConfirmed: boolean;
  readonly skipHooks: boolean;
  readonly resources: readonly SyncOperationResource[] | undefined;
  readonly appSyncOptions: SyncOptionValues;
  readonly unknownAppSyncOptions: readonly string[];
  readonly defaultHookTimeoutMs: number;
  readonly isModified: (key: ResourceKey) => boolean | undefined;
  readonly managedNamespaceMetadata: SyncPlanOptions['managedNamespaceMetadata'];
  readonly destinationNamespaceObject: KubeObject | null | undefined;
  readonly hookFinalizer: string | undefined;
}

/** Applies the defaults; throws {@link SyncOptionsError} for an unusable start time or timeout. */
export function compileSyncPlanOptions(options: SyncPlanOptions): CompiledSyncPlanOptions {
  const startedAtUnix = unixSeconds(options.operationStartedAt);
  if (!Number.isFinite(startedAtUnix)) {
    throw new SyncOptionsError(
      `operation start "${String(options.operationStartedAt)}" is not a time`,
      'operationStartedAt',
    );
  }
  const timeout = options.defaultHookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  if (!Number.isFinite(timeout) || timeout < 0) {
    throw new SyncOptionsError(`hook timeout ${timeout} ms is not usable`, 'defaultHookTimeoutMs');
  }
  const app = parseAppSyncOptions(options.syncOptions, options.operationSyncOptions);
  const selective = (options.resources?.length ?? 0) > 0;
  return {
    startedAtUnix,
    revision: options.revision ?? '',
    app: options.app,
    destinationNamespace: options.destinationNamespace ?? '',
    isNamespaced: options.isNamespaced,
    prune: options.prune ?? false,
    dryRun: options.dryRun ?? false,
    pruneConfirmed: options.pruneConfirmed ?? false,
    skipHooks: options.skipHooks ?? selective,
    resources: selective ? options.resources : undefined,
    appSyncOptions: options.force ? { ...app.values, force: true } : app.values,
    unknownAppSyncOptions: app.unknown,
    defaultHookTimeoutMs: timeout,
    isModified: options.isModified ?? (() => undefined),
    managedNamespaceMetadata: options.managedNamespaceMetadata,
    destinationNamespaceObject: options.destinationNamespaceObject,
    hookFinalizer:
      options.hookFinalizer === false ? undefined : (options.hookFinalizer ?? HOOK_FINALIZER),
  };
}
