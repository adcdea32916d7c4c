// One app's comparison: live state from the watch cache, server-side dry runs
// of the desired objects, then the pure diff of `@flotilla/gitops`.
import { RESOURCE_FIELD_MANAGER, type Application } from '@flotilla/api';
import type { AppRef, ResourceKey } from '@flotilla/contracts';
import {
  cachedDryRun,
  diffApp,
  isTrackedBy,
  type AppDiff,
  type DiffObject,
  type DryRunCache,
  type ServerSideDryRun,
} from '@flotilla/gitops';
import { isDeepStrictEqual } from 'node:util';
import type { KubeAccess } from './kubeconfig.js';
import { applyObject } from './apply.js';
import type { ClusterCache } from './cache/cluster-cache.js';
import type { KubernetesObject } from './client.js';

/** What {@link compareApp} compares, and where. */
export interface CompareAppInput {
  /** Credentials of the destination cluster, for the dry runs. */
  readonly kc: KubeAccess;
  /** The destination's watch cache: where live objects come from. */
  readonly cache: ClusterCache;
  /** The Application: its destination namespace, ignoreDifferences and last resources. */
  readonly app: Application;
  readonly ref: AppRef;
  /** The rendered manifests. */
  readonly desired: readonly DiffObject[];
  /**
   * Dry-run results by desired hash and live resourceVersion, kept across
   * comparisons so an unchanged app costs no API call. None when unset.
   */
  readonly dryRuns?: DryRunCache;
  /**
   * Whether `live` is what a server-side apply of `desired` returned (the
   * applier's marks): then no dry run is made, live being the prediction.
   */
  readonly appliedAs?: (
    key: ResourceKey,
    desired: DiffObject,
    live: DiffObject,
  ) => Promise<boolean>;
  /**
   * Told of a dry run that predicted live unchanged (applying `desired` to the
   * object at its resourceVersion changes nothing), so other replicas can read
   * the fact where they read the applier's marks instead of dry-running again.
   */
  readonly predictedUnchanged?: (
    key: ResourceKey,
    desired: DiffObject,
    live: DiffObject,
  ) => Promise<void>;
  /**
   * Told of every other dry run that passed against a live object, so the
   * applier's check before a sync need not make the same request again.
   */
  readonly dryRunPassed?: (
    key: ResourceKey,
    desired: DiffObject,
    live: DiffObject,
  ) => Promise<void>;
  /**
   * Compare with what the cache holds when fetching named objects fails,
   * for a caller that checks `cache.unreachable()` afterwards and discards
   * the result. By default the failure is thrown: a missing fetch would
   * otherwise read as a Missing resource.
   */
  readonly tolerateFetchErrors?: boolean;
}

/**
 * Compares one app's desired objects with the live ones, as the differ
 * shows it: live objects are those the manifests name or the app tracks,
 * each desired object is predicted by a server-side-apply dry run, and the
 * app's ignoreDifferences apply. Secrets come back masked by the diff.
 */
export async function compareApp(input: CompareAppInput): Promise<AppDiff> {
  const { kc, cache, app, ref } = input;
  const desired = input.desired as DiffObject[];
  const destinationNamespace = app.spec?.destination?.namespace ?? '';
  await cache.ensureKindsOf(desired as KubernetesObject[], app.status?.resources ?? []);
  const keys = cache.keysOf(desired as KubernetesObject[], destinationNamespace);
  const fetched = cache.want(keys);
  await (input.tolerateFetchErrors ? fetched.catch(() => undefined) : fetched);
  const live = cache.among(keys, {
    app: ref,
    accept: (obj) => isTrackedBy(obj as DiffObject, ref),
  }) as DiffObject[];
  const dryRun: ServerSideDryRun = async (obj, liveObj, key) => {
    // What an apply of this very manifest just left needs no dry run: it predicts itself.
    if (liveObj && (await input.appliedAs?.(key, obj, liveObj))) return liveObj;
    let predicted: DiffObject;
    try {
      predicted = (await applyObject(kc, cache.discovery, obj as never, {
        fieldManager: RESOURCE_FIELD_MANAGER,
        dryRun: true,
      })) as DiffObject;
    } catch (err) {
      cache.noteFailure(err); // the cluster may have gone away mid-comparison
      throw err;
    }
    if (liveObj && (input.predictedUnchanged || input.dryRunPassed)) {
      if (isDeepStrictEqual(predicted, liveObj))
        await input.predictedUnchanged?.(key, obj, liveObj);
      else await input.dryRunPassed?.(key, obj, liveObj);
    }
    return predicted;
  };
  return diffApp(
    {
      app: ref,
      destinationNamespace,
      desired,
      live,
      isNamespaced: (g, k) => cache.discovery.isNamespaced(g, k),
      serverSideDryRun: input.dryRuns ? cachedDryRun(dryRun, input.dryRuns) : dryRun,
    },
    { ignoreDifferences: app.spec?.ignoreDifferences ?? [] },
  );
}
