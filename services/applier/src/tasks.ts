// One task against the cluster: apply (or create a hook), prune, or delete a
// hook before it is created again. Each returns its outcome as data.
import { RESOURCE_FIELD_MANAGER } from '@flotilla/api';
import {
  applyResult,
  pruneResult,
  SyncTaskType,
  type SyncResourceResult,
  type SyncTask,
} from '@flotilla/gitops';
import {
  ApiError,
  applyObject,
  deleteObject,
  replaceObject,
  UnknownKindError,
  unreachableMessage,
  type ClusterCache,
  type KubeConfig,
  type KubernetesObject,
} from '@flotilla/kube';
import { clientSideApply, waitGone } from '@flotilla/sync-exec';
import type { ResourceKey } from '@flotilla/contracts';

/** What the task primitives need. */
export interface TaskDeps {
  /** The destination cluster, which resources are written to. */
  readonly clusterKc: KubeConfig;
  /** The destination cluster's watch cache. */
  readonly cache: ClusterCache;
  /** The destination cluster's name and server, for messages. */
  readonly cluster?: { readonly name: string; readonly server: string };
  /** Told of each object server-side applied, with the object as the apply returned it. */
  readonly applied?: (key: ResourceKey, target: KubernetesObject, live: KubernetesObject) => void;
  /**
   * Per object, whether the differ's comparison made this very dry run already
   * and it passed: the same manifest, against the same live version, with the
   * same credentials. Unset when this sync writes as another identity.
   */
  readonly comparedDryRuns?: (
    objects: readonly { key: ResourceKey; target: KubernetesObject; resourceVersion: string }[],
  ) => Promise<readonly boolean[]>;
}

/**
 * Why the destination cannot be used now (its watch cache saw it stop
 * answering), or undefined while it answers.
 */
export function destinationDown(deps: Pick<TaskDeps, 'cache' | 'cluster'>): string | undefined {
  const down = deps.cache.unreachable();
  if (!down) return undefined;
  return deps.cluster
    ? unreachableMessage(deps.cluster, down.error)
    : `the destination cluster is unreachable: ${down.error.message}`;
}

const propagation = (task: SyncTask) => {
  const p = task.syncOptions.prunePropagationPolicy;
  return p === 'background' ? 'Background' : p === 'orphan' ? 'Orphan' : 'Foreground';
};

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Dry-runs one apply or hook task; returns the error text, or undefined when it passes. */
export async function dryRunTask(deps: TaskDeps, task: SyncTask): Promise<string | undefined> {
  if (!task.targetObject || task.skipDryRun) return undefined;
  try {
    const target = task.targetObject as KubernetesObject;
    if (writesWhole(task)) {
      await replaceObject(deps.clusterKc, deps.cache.discovery, target, {
        fieldManager: RESOURCE_FIELD_MANAGER,
        dryRun: true,
        ...validation(task),
      });
    } else if (appliesClientSide(task)) {
      await clientSideApply(deps.clusterKc, deps.cache.discovery, target, {
        fieldManager: RESOURCE_FIELD_MANAGER,
        dryRun: true,
      });
    } else {
      await applyObject(deps.clusterKc, deps.cache.discovery, target, {
        fieldManager: RESOURCE_FIELD_MANAGER,
        force: true,
        dryRun: true,
      });
    }
    return undefined;
  } catch (err) {
    if (err instanceof UnknownKindError && task.syncOptions.skipDryRunOnMissingResource) {
      return undefined;
    }
    // Force=true re-creates what the apiserver refuses to change in place.
    if (task.syncOptions.force && isRefusal(err)) return undefined;
    return errorText(err);
  }
}

/**
 * Of the tasks whose dry run the comparison may already have made (a forced
 * server-side apply of a resource over a live object, as the differ dry-runs),
 * those it did make and saw pass; the others still need theirs.
 */
export async function dryRunsDone(
  deps: Pick<TaskDeps, 'comparedDryRuns'>,
  tasks: readonly SyncTask[],
): Promise<ReadonlySet<SyncTask>> {
  const candidates = tasks.flatMap((t) => {
    const resourceVersion = (t.liveObject as KubernetesObject | undefined)?.metadata
      ?.resourceVersion;
    return t.type === SyncTaskType.Apply &&
      t.targetObject &&
      resourceVersion &&
      !writesWhole(t) &&
      !appliesClientSide(t)
      ? [{ task: t, key: t.key, target: t.targetObject as KubernetesObject, resourceVersion }]
      : [];
  });
  if (!deps.comparedDryRuns || candidates.length === 0) return new Set();
  const passed = await deps.comparedDryRuns(candidates).catch(() => []);
  return new Set(candidates.filter((_, i) => passed[i] === true).map((c) => c.task));
}

/** `Validate=false`: the apiserver drops unknown fields instead of refusing them. */
const validation = (task: SyncTask) =>
  task.syncOptions.validate ? {} : { fieldValidation: 'Ignore' as const };

/**
 * `Replace=true`, and `Validate=false` too: server-side apply refuses unknown
 * fields whatever the validation level, so an unvalidated object is written
 * whole (create or update) instead. Hooks are always created by apply.
 */
const writesWhole = (task: SyncTask) =>
  task.type !== 'hook' && (task.syncOptions.replace || !task.syncOptions.validate);

/**
 * `ServerSideApply=false`: the resource is applied as `kubectl apply` does by
 * default, with the last-applied annotation and a three-way merge patch.
 * Hooks are always created by server-side apply.
 */
const appliesClientSide = (task: SyncTask) =>
  task.type !== 'hook' && !task.syncOptions.serverSideApply;

/** The apiserver refused a change as invalid or conflicting (an immutable field, say). */
const isRefusal = (err: unknown) =>
  err instanceof ApiError && (err.status === 422 || err.status === 409);

/** How long a `Force=true` re-creation waits for the old object to go. */
const FORCE_DELETE_WAIT_MS = 120_000;

/**
 * Server-side applies a resource (client-side with `ServerSideApply=false`,
 * replaced whole with `Replace=true`) or creates a hook; the result is Running until it is healthy. With `Force=true`
 * a write the apiserver refuses as invalid or conflicting (an immutable field,
 * say) deletes the object and creates it again, as `kubectl apply --force` does.
 */
export async function applyTask(deps: TaskDeps, task: SyncTask): Promise<SyncResourceResult> {
  const target = task.targetObject as KubernetesObject | undefined;
  if (!target) return applyResult(task, { error: 'nothing to apply' });
  const write = async (): Promise<string> => {
    if (writesWhole(task)) {
      const { created } = await replaceObject(deps.clusterKc, deps.cache.discovery, target, {
        fieldManager: RESOURCE_FIELD_MANAGER,
        ...validation(task),
      });
      return created ? 'created' : 'replaced';
    }
    if (appliesClientSide(task)) {
      const { verb } = await clientSideApply(deps.clusterKc, deps.cache.discovery, target, {
        fieldManager: RESOURCE_FIELD_MANAGER,
      });
      return verb;
    }
    const live = await applyObject(deps.clusterKc, deps.cache.discovery, target, {
      fieldManager: RESOURCE_FIELD_MANAGER,
      force: true,
    });
    if (task.type !== 'hook') deps.applied?.(task.key, target, live);
    return task.type === 'hook' ? 'created' : 'serverside-applied';
  };
  try {
    let verb: string;
    try {
      verb = await write();
    } catch (err) {
      if (!task.syncOptions.force || !isRefusal(err)) throw err;
      await deleteObject(deps.clusterKc, deps.cache.discovery, task.key, {
        propagationPolicy: 'Foreground',
      });
      await waitGone(
        deps.clusterKc,
        deps.cache,
        task.key,
        AbortSignal.timeout(FORCE_DELETE_WAIT_MS),
      );
      verb = `${await write()} (forced: deleted and created again)`;
    }
    await deps.cache.want([task.key]).catch(() => undefined);
    const kind = task.key.kind.toLowerCase();
    return applyResult(task, { message: `${kind}/${task.name} ${verb}` });
  } catch (err) {
    return applyResult(task, { error: errorText(err) });
  }
}

/** The result of an apply left out because the last comparison found it in sync. */
export function unchangedResult(task: SyncTask): SyncResourceResult {
  return applyResult(task, { message: `${task.key.kind.toLowerCase()}/${task.name} unchanged` });
}

/** Deletes a resource no longer desired; Running while it is still being deleted. */
export async function pruneTask(deps: TaskDeps, task: SyncTask): Promise<SyncResourceResult> {
  if (task.pruneSkipMessage !== undefined) return pruneResult(task);
  try {
    const existed = await deleteObject(deps.clusterKc, deps.cache.discovery, task.key, {
      propagationPolicy: propagation(task),
    });
    return pruneResult(task, { pending: existed });
  } catch (err) {
    return pruneResult(task, { error: errorText(err) });
  }
}

/** Deletes an existing hook of the same name and waits until it is gone (BeforeHookCreation). */
export async function deleteBeforeHook(
  deps: TaskDeps,
  task: SyncTask,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    await deleteObject(deps.clusterKc, deps.cache.discovery, task.key, {
      propagationPolicy: 'Foreground',
    });
    await waitGone(deps.clusterKc, deps.cache, task.key, signal);
    return undefined;
  } catch (err) {
    return errorText(err);
  }
}

/** Deletes a hook by its delete policy; never fails the operation. */
export async function deleteHook(deps: TaskDeps, task: SyncTask): Promise<void> {
  await deleteObject(deps.clusterKc, deps.cache.discovery, task.key, {
    propagationPolicy: 'Background',
  }).catch(() => undefined);
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping order in the output. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return out;
}
