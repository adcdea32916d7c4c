// Deleting an Application held by a resources (or post-delete) finalizer,
// under the app's operation lease: PreDelete hooks through the hook-runner,
// then the app's own resources (its tracking id only) wave by wave, highest
// wave first, each wave gone before the next, then PostDelete hooks, then the
// finalizers come off. Every step is idempotent and named after the deletion
// timestamp, so a redelivered command or another replica picks up where one
// stopped. A failing hook or missing manifests stop it with the finalizer kept.
import { HealthStatusCode, type Application } from '@flotilla/api';
import { WaitingError, type Lease } from '@flotilla/bus';
import {
  operationIdOf,
  resourceKeyString,
  type AppRef,
  type ResourceKey,
} from '@flotilla/contracts';
import {
  DeletionHookType,
  appHash,
  deniedEventData,
  appDeletionMode,
  deletionConfirmationMessage,
  deletionHookProgress,
  deletionHooksToDelete,
  isDeletionApproved,
  isTrackedBy,
  planAppDeletion,
  planDeletionHooks,
  prepareDesired,
  type DeletionHook,
  type DiffObject,
  type LiveResource,
  type PlanResource,
  type SyncObject,
} from '@flotilla/gitops';
import {
  ApiError,
  ApplicationClient,
  deleteObject,
  keyOf,
  rawRequest,
  type KubeConfig,
  type KubernetesObject,
} from '@flotilla/kube';
import { liveObject, nextChange } from '@flotilla/sync-exec';
import { readApp } from './app-io.js';
import type { OperationDeps } from './operation.js';
import { appEvents } from './emit.js';
import { ProjectDeniedError } from './project-gate.js';

const deletionTimestampOf = (app: Application) =>
  (app.metadata as { deletionTimestamp?: string } | undefined)?.deletionTimestamp;

/** True when the app is being deleted and carries a finalizer the applier handles. */
export function isDeletionPending(app: Application): boolean {
  return (
    deletionTimestampOf(app) !== undefined &&
    appDeletionMode(app.metadata?.finalizers).handled.length > 0
  );
}

/** Runs (or continues) the deletion of the app while `lease` is held. */
export async function runDeletion(
  deps: OperationDeps,
  ref: AppRef,
  lease: Lease,
  stopping: AbortSignal,
): Promise<void> {
  const app = await readApp(deps.kc, ref);
  if (!app || !isDeletionPending(app)) return;
  const deletedAt = String(deletionTimestampOf(app));
  const startedMs = Date.parse(deletedAt);
  const mode = appDeletionMode(app.metadata?.finalizers);
  const opId = operationIdOf('del', ref, startedMs);
  const stop = AbortSignal.any([lease.lost, stopping]);
  const guard = () => {
    if (stopping.aborted) throw stopping.reason ?? new Error('stopped');
    if (lease.lost.aborted) throw new WaitingError('lease lost', 1_000);
  };
  const emit = appEvents(deps, ref);
  const fail = async (message: string) => {
    deps.logger.warn({ app: ref, message }, 'app deletion stopped');
    await emit('app.deletion-failed', { operationId: opId, message }, `${opId}:failed`);
    await recordKubeEvent(deps.kc, app, startedMs, message);
  };

  // Never touch a cluster the app does not name.
  const problem = await deps.destinationProblem?.(app);
  if (problem) {
    await fail(
      `cannot delete the app's resources: ${problem}; remove the finalizer to delete it without them`,
    );
    return;
  }
  // Never delete on doubt: without manifests the deletion hooks are unknown.
  const desired = await deps.desired.get(ref);
  if (!desired || desired.error || !desired.hash) {
    await fail(
      `cannot delete the app: no rendered manifests (${desired?.error?.message ?? 'not rendered yet'}); remove the finalizer to delete it without its resources`,
    );
    return;
  }
  const dest = app.spec?.destination?.namespace ?? '';
  const objects = desired.objects as DiffObject[];
  await watchKinds(deps, app, objects);
  const isNamespaced = (g: string, k: string) => deps.cache.discovery.isNamespaced(g, k);
  const desiredResources: PlanResource[] = objects.map((o) => {
    const p = prepareDesired(o, { app: ref, destinationNamespace: dest, isNamespaced });
    return p.ok ? { object: p.object, key: p.key } : { object: o };
  });
  const live = (): LiveResource[] =>
    deps.cache
      .trackedBy(ref)
      .filter((o) => isTrackedBy(o as DiffObject, ref))
      .map((o) => ({ key: keyOf(o), object: o as SyncObject }));

  const plan = planAppDeletion(mode.cascade ? live() : [], {
    ...(app.spec?.syncPolicy?.syncOptions
      ? { appSyncOptions: app.spec.syncPolicy.syncOptions }
      : {}),
    approved: isDeletionApproved(app as SyncObject, deletedAt),
  });
  if (plan.awaitingApproval.length > 0) {
    // The approval annotation is an update of the app: the informer sends the command again.
    const message = deletionConfirmationMessage(plan.awaitingApproval);
    await emit('app.deletion-waiting', { operationId: opId, message }, `${opId}:waiting`);
    return;
  }
  const hooksOf = (type: DeletionHookType) => {
    const p = planDeletionHooks(type, desiredResources, live(), {
      deletionStartedAt: deletedAt,
      revision: desired.revisions[0] ?? '',
      app: ref,
      destinationNamespace: dest,
      isNamespaced,
    });
    return [...p.toCreate, ...p.existing.filter((h) => h.targetObject !== undefined)];
  };
  // Every object the deletion writes or deletes passes the project's rules:
  // PreDelete and PostDelete hooks as much as the app's own resources.
  if (deps.projectGate) {
    const keys = [
      ...plan.waves.flatMap((w) => w.resources.map((r) => r.key)),
      ...hooksOf(DeletionHookType.PreDelete).map((h) => h.key),
      ...hooksOf(DeletionHookType.PostDelete).map((h) => h.key),
    ];
    const denials = await deps.projectGate(app, keys, isNamespaced, { fresh: true });
    if (denials.length > 0) {
      const err = new ProjectDeniedError(denials);
      for (const d of denials) {
        await emit(
          'project.denied',
          deniedEventData(d, 'delete', opId),
          `${opId}:denied:${d.rule}:${d.subject}`,
        );
      }
      await fail(
        `cannot delete the app: ${err.message}; nothing was deleted. Fix the project, or remove the finalizer to delete the app without its resources`,
      );
      return;
    }
  }
  const deleteCount = plan.waves.reduce((n, w) => n + w.resources.length, 0);
  await emit(
    'app.deleting',
    {
      operationId: opId,
      cascade: mode.cascade,
      propagation: mode.propagation,
      resourceCount: deleteCount,
    },
    `${opId}:deleting`,
  );

  const runHooks = async (type: DeletionHookType): Promise<boolean> => {
    const outcome = await runDeletionHooks(deps, ref, opId, hooksOf(type), stop);
    if (outcome !== undefined) await fail(outcome);
    return outcome === undefined;
  };

  guard();
  if (!(await runHooks(DeletionHookType.PreDelete))) return;
  for (const wave of plan.waves) {
    guard();
    for (const r of wave.resources) {
      const current = await liveObject(deps.clusterKc, deps.cache, r.key);
      if (!current || current.metadata?.deletionTimestamp) continue;
      try {
        await deleteObject(deps.clusterKc, deps.cache.discovery, r.key, {
          propagationPolicy: mode.propagation,
        });
      } catch (err) {
        // Said once, then retried with the command (a forbidden delete stays visible).
        await fail(`cannot delete ${r.key.kind}/${r.key.name}: ${(err as Error).message}`);
        throw err;
      }
      await emit(
        'resource.pruned',
        { operationId: opId, resource: r.key, wave: wave.wave },
        `${opId}:${resourceKeyString(r.key)}`,
      );
    }
    await waitAllGone(
      deps,
      wave.resources.map((r) => r.key),
      stop,
    );
  }
  guard();
  if (!(await runHooks(DeletionHookType.PostDelete))) return;
  guard();
  await removeFinalizers(deps.kc, ref, mode.handled);
  await emit(
    'app.deleted',
    {
      operationId: opId,
      deletedCount: deleteCount,
      keptCount: plan.kept.length,
      durationMs: Math.max(0, Date.now() - startedMs),
    },
    `${opId}:deleted`,
  );
}

/** Starts the kinds the app has (desired and last seen) so its tracked objects are in the cache. */
async function watchKinds(deps: OperationDeps, app: Application, objects: readonly DiffObject[]) {
  await deps.cache.discovery.ready();
  await deps.cache.ensureKindsOf(
    objects as readonly KubernetesObject[],
    app.status?.resources ?? [],
  );
}

/**
 * Hands the hooks to the hook-runner and waits for their verdicts, then
 * deletes them by their policies. Returns why they failed, or undefined.
 */
async function runDeletionHooks(
  deps: OperationDeps,
  ref: AppRef,
  opId: string,
  hooks: readonly DeletionHook[],
  stop: AbortSignal,
): Promise<string | undefined> {
  if (hooks.length === 0) return undefined;
  const driver = deps.hooksFor(ref, opId);
  await driver.start(
    hooks.map((h) => ({
      key: h.key,
      phase: h.hookType,
      wave: 0,
      ...(h.targetObject ? { targetObject: h.targetObject } : {}),
      ...(h.hookTimeoutMs !== undefined ? { hookTimeoutMs: h.hookTimeoutMs } : {}),
    })),
  );
  for (;;) {
    stop.throwIfAborted();
    const verdicts = await Promise.all(hooks.map((h) => driver.verdict(h)));
    if (verdicts.every((v) => v !== undefined)) {
      const judged = hooks.map((hook, i) => ({
        hook,
        health: {
          status:
            verdicts[i]?.phase === 'Succeeded'
              ? HealthStatusCode.Healthy
              : HealthStatusCode.Degraded,
          ...(verdicts[i]?.message ? { message: verdicts[i].message } : {}),
        },
      }));
      await Promise.all(
        deletionHooksToDelete(judged).map((h) =>
          deleteObject(deps.clusterKc, deps.cache.discovery, h.key, {
            propagationPolicy: 'Background',
          }).catch(() => undefined),
        ),
      );
      const progress = deletionHookProgress(judged);
      if (progress.phase !== 'Failed') return undefined;
      const reasons = judged
        .filter((j) => j.health.status === HealthStatusCode.Degraded && j.health.message)
        .map((j) => `${j.hook.key.name}: ${j.health.message}`);
      return reasons.length > 0 ? `${progress.message} (${reasons.join('; ')})` : progress.message;
    }
    await nextChange(
      deps.cache,
      hooks.map((h) => h.key),
      stop,
      undefined,
      10_000,
      driver.wakeOn,
    );
  }
}

/** Waits until none of `keys` exists any more (watch-driven). */
async function waitAllGone(
  deps: OperationDeps,
  keys: readonly ResourceKey[],
  stop: AbortSignal,
): Promise<void> {
  for (;;) {
    stop.throwIfAborted();
    const still = [];
    for (const k of keys) if (await liveObject(deps.clusterKc, deps.cache, k)) still.push(k);
    if (still.length === 0) return;
    await nextChange(deps.cache, still, stop, undefined, 5_000);
  }
}

/**
 * Takes `handled` off the app's finalizers with a merge patch guarded by
 * resourceVersion, reading again on a conflict; the command comes back when it
 * keeps conflicting.
 */
async function removeFinalizers(
  kc: KubeConfig,
  ref: AppRef,
  handled: readonly string[],
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = await readApp(kc, ref);
    if (!now) return;
    const finalizers = now.metadata?.finalizers ?? [];
    const rest = finalizers.filter((f) => !handled.includes(f));
    if (rest.length === finalizers.length) return;
    const resourceVersion = (now.metadata as { resourceVersion?: string }).resourceVersion;
    try {
      await new ApplicationClient(kc).mergePatch(ref, {
        metadata: { resourceVersion, finalizers: rest },
      });
      return;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return;
      if (!(err instanceof ApiError && err.status === 409)) throw err;
    }
  }
  throw new WaitingError('finalizers kept conflicting', 1_000);
}

/**
 * The name of a deletion's Event: `<app>.<deletion start unix>.<hash>.deletion`,
 * the hash of the app's namespace, name and uid, so a namesake in another
 * namespace or an app of the same name made again never shares it; the app's
 * name is cut so the whole stays a DNS subdomain of at most 253 characters.
 */
export function deletionEventName(app: Application, startedMs: number): string {
  const meta = app.metadata as { name?: string; namespace?: string; uid?: string } | undefined;
  const seconds = String(Math.floor(startedMs / 1000));
  const hash = appHash({
    namespace: meta?.namespace ?? '',
    name: `${meta?.name ?? ''}/${meta?.uid ?? ''}`,
  });
  const suffix = `.${seconds}.${hash}.deletion`;
  const base = (meta?.name ?? '').slice(0, 253 - suffix.length).replace(/[.-]+$/, '');
  return `${base}${suffix}`;
}

/**
 * A Warning Event on the Application (`kubectl describe` shows it), one per
 * deletion: later failures of the same deletion update its message and count.
 */
async function recordKubeEvent(
  kc: KubeConfig,
  app: Application,
  startedMs: number,
  message: string,
): Promise<void> {
  const namespace = app.metadata?.namespace ?? '';
  const name = deletionEventName(app, startedMs);
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
  const now = new Date().toISOString();
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: {
      apiVersion: app.apiVersion,
      kind: app.kind,
      namespace,
      name: app.metadata?.name,
      uid: (app.metadata as { uid?: string }).uid,
    },
    reason: 'DeletionFailed',
    message,
    type: 'Warning',
    source: { component: 'flotilla-applier' },
    reportingComponent: 'flotilla-applier',
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
  try {
    await rawRequest(kc, { method: 'POST', path, body: event });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 409)) return;
    await rawRequest(kc, {
      method: 'PATCH',
      path: `${path}/${encodeURIComponent(name)}`,
      contentType: 'application/merge-patch+json',
      body: { message, lastTimestamp: now },
    }).catch(() => undefined);
  }
}
