// One sync operation of one app under its lease: read the app and its desired
// state, plan, execute, write status progressively, retry or finish, clear
// `operation`. Resumes from status.operationState after a crash.
import {
  OperationPhase,
  type Application,
  type Operation,
  type OperationState,
} from '@flotilla/api';
import { WaitingError, type BusPublisher, type Lease } from '@flotilla/bus';
import type { AppRef, ResourceKey } from '@flotilla/contracts';
import {
  appendHistory,
  compileRetryStrategy,
  decideRetry,
  fromResourceResults,
  historyEntryFor,
  isDeletionApproved,
  isSyncOptionsError,
  isTrackedBy,
  planSync,
  prepareDesired,
  toResourceResults,
  type DiffObject,
  type SyncObject,
  type SyncResourceResult,
} from '@flotilla/gitops';
import type { KubeConfig, KubernetesObject } from '@flotilla/kube';
import { PlanningError, isPlanningError } from './errors.js';
import type { DesiredStore } from '@flotilla/render';
import { metrics, type Logger } from '@flotilla/runtime';
import { clearOperation, readApp, writeApplierStatus } from './app-io.js';
import { TERMINATED_MESSAGE, executePlan, type ExecutionDeps, type HookDriver } from './execute.js';
import {
  OPERATION_RENDER_POLL_MS,
  OPERATION_RENDER_WAIT_MS,
  describeTarget,
  operationRender,
  operationTarget,
  syncedSources,
} from './operation-desired.js';
import { appEvents } from './emit.js';

/** What an operation run needs. */
export interface OperationDeps extends Omit<ExecutionDeps, 'hookDriver'> {
  /** The hook hand-over for one operation. */
  readonly hooksFor: (ref: AppRef, operationId: string) => HookDriver;
  readonly kc: KubeConfig;
  readonly desired: DesiredStore;
  readonly bus: BusPublisher;
  readonly logger: Logger;
  /**
   * Why the app's destination cannot be synced by this applier (unknown, or a
   * cluster other than its own), or undefined when it can.
   */
  readonly destinationProblem?: (app: Application) => Promise<string | undefined>;
  /** Aborted when the app's operation is withdrawn (terminate). */
  readonly terminated: (ref: AppRef) => AbortSignal;
  /** Calls `wake` when the Application changes; returns the unsubscribe function. */
  readonly watchApp?: (ref: AppRef, wake: () => void) => () => void;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Runs (or resumes) the app's operation while `lease` is held. */
export async function runOperation(
  deps: OperationDeps,
  ref: AppRef,
  lease: Lease,
  stopping: AbortSignal,
): Promise<void> {
  const app = await readApp(deps.kc, ref);
  const operation = app?.operation;
  const previous = app?.status?.operationState;
  if (app && !operation && previous?.phase === OperationPhase.Running) {
    // Withdrawn between two deliveries (while waiting for its render or a
    // retry's backoff): nothing runs any more, so it ends as a terminate does.
    const ended: OperationState = {
      ...previous,
      phase: OperationPhase.Failed,
      message: TERMINATED_MESSAGE,
      finishedAt: new Date().toISOString(),
    };
    await writeApplierStatus(deps.kc, ref, {
      operationState: ended,
      ...(app.status?.history ? { history: app.status.history } : {}),
    });
    countFinished(ended);
    return;
  }
  if (!app || !operation?.sync) return;
  const resuming =
    previous?.phase === OperationPhase.Running && same(previous.operation, operation);
  if (resuming && Date.parse(previous.startedAt) > Date.now()) {
    // A retry waits for its backoff.
    throw new WaitingError('retry backoff', Date.parse(previous.startedAt) - Date.now());
  }
  const startedAt = resuming ? previous.startedAt : new Date().toISOString();
  const retryCount = resuming ? (previous.retryCount ?? 0) : 0;
  const opId = `op-${ref.namespace}-${ref.name}-${Math.floor(Date.parse(startedAt) / 1000)}`;
  const emit = appEvents(deps, ref);
  // Which sources (at which commits) the result records, once known.
  let synced: ReturnType<typeof syncedSources> = {};
  const state = (
    phase: OperationState['phase'],
    message: string,
    results: readonly SyncResourceResult[],
    revision: string,
    finished = false,
  ): OperationState => ({
    operation: operation as OperationState['operation'],
    phase,
    message,
    syncResult: { revision, ...synced, resources: toResourceResults(results) },
    startedAt,
    ...(finished ? { finishedAt: new Date().toISOString() } : {}),
    ...(retryCount > 0 ? { retryCount } : {}),
  });
  const write = async (s: OperationState, history = app.status?.history) => {
    await lease.renew();
    if (lease.lost.aborted) throw new WaitingError('lease lost', 1_000);
    await writeApplierStatus(deps.kc, ref, { operationState: s, ...(history ? { history } : {}) });
    if (s.finishedAt) countFinished(s);
  };

  // The app's desired state, or a render of exactly what the operation asks for.
  const stored = await deps.desired.get(ref);
  const target = operationTarget(app, operation.sync, stored);
  const desired = target ? await operationRender(deps, ref, target, startedAt) : stored;
  if (target && !desired && Date.now() - Date.parse(startedAt) < OPERATION_RENDER_WAIT_MS) {
    const asked = target.revisions[0] ?? '';
    if (!resuming)
      await emit('operation.started', {
        operationId: opId,
        trigger: operation.initiatedBy?.automated ? 'automated' : 'operation',
        revision: asked,
        dryRun: operation.sync.dryRun ?? false,
        prune: operation.sync.prune ?? false,
      });
    const message = `waiting for the manifests of ${describeTarget(target)}`;
    if (!resuming || previous.message !== message)
      await write(state(OperationPhase.Running, message, [], asked));
    throw new WaitingError('waiting for the operation render', OPERATION_RENDER_POLL_MS);
  }
  const revision = desired?.revisions[0] || target?.revisions[0] || operation.sync.revision || '';
  synced = syncedSources(app, target, desired?.revisions ?? []);
  if (!desired || desired.error || !desired.hash) {
    // Never destroy on doubt: no usable desired state, no sync.
    const message = !target
      ? `no rendered manifests: ${desired?.error?.message ?? 'not rendered yet'}`
      : desired
        ? `could not render ${describeTarget(target)}: ${desired.error?.message ?? 'no manifests'}`
        : `no manifests of ${describeTarget(target)} after ${OPERATION_RENDER_WAIT_MS / 1000} s: is a renderer running?`;
    await write(state(OperationPhase.Error, message, [], revision, true));
    if (target)
      await emit('operation.failed', {
        operationId: opId,
        revision,
        message,
        durationMs: Date.now() - Date.parse(startedAt),
      });
    await clearIfSame(deps, ref, operation);
    return;
  }
  // `started` goes out once the Running state is written, so a replica that takes over
  // after a crash resumes this operation instead of starting another (a started event
  // with no end); its id makes the re-announcement of a resume right after planning one.
  const started = {
    operationId: opId,
    trigger: operation.initiatedBy?.automated ? ('automated' as const) : ('operation' as const),
    revision,
    dryRun: operation.sync.dryRun ?? false,
    prune: operation.sync.prune ?? false,
  };
  const announce = () => emit('operation.started', started, `${opId}:started`);

  let plan: Awaited<ReturnType<typeof planFor>>;
  try {
    plan = await planFor(
      deps,
      app,
      operation,
      desired.objects as DiffObject[],
      startedAt,
      revision,
    );
  } catch (err) {
    if (!isPlanningError(err) && !isSyncOptionsError(err)) throw err;
    await write(state(OperationPhase.Error, err.message, [], revision, true));
    if (!resuming) await announce();
    await emit('operation.failed', {
      operationId: opId,
      revision,
      message: err.message,
      durationMs: 0,
    });
    await clearIfSame(deps, ref, operation);
    return;
  }
  const resumed = resuming
    ? fromResourceResults(previous.syncResult?.resources ?? [], [
        ...plan.tasks,
        ...plan.syncFailTasks,
      ])
    : [];
  await write(state(OperationPhase.Running, resuming ? 'resuming' : 'planned', resumed, revision));
  if (!resuming || previous.message === 'planned') await announce();
  const watchApp = deps.watchApp;
  const end = await executePlan(
    {
      ...deps,
      hookDriver: deps.hooksFor(ref, opId),
      ...(watchApp ? { appChanged: (wake: () => void) => watchApp(ref, wake) } : {}),
    },
    plan,
    resumed,
    {
      progress: (results, message) =>
        write(state(OperationPhase.Running, message, results, revision)),
      applied: async (task, result) => {
        if (task.type === 'prune' && result.status === 'Pruned') {
          await emit('resource.pruned', { operationId: opId, resource: task.key, wave: task.wave });
        } else if (result.status === 'Synced') {
          await emit('resource.applied', {
            operationId: opId,
            resource: task.key,
            phase: task.phase,
            wave: task.wave,
            message: result.message,
          });
        }
      },
      stepCompleted: (phase, wave, resourceCount) =>
        emit('operation.wave-completed', { operationId: opId, phase, wave, resourceCount }),
      pruneConfirmed: async () => {
        const now = await readApp(deps.kc, ref);
        return now !== undefined && isDeletionApproved(now as SyncObject, startedAt);
      },
    },
    { terminate: deps.terminated(ref), stop: AbortSignal.any([lease.lost, stopping]) },
  );

  const durationMs = Date.now() - Date.parse(startedAt);
  if (end.phase === OperationPhase.Succeeded) {
    const final = state(OperationPhase.Succeeded, end.message, end.results, revision, true);
    const entry = historyEntryFor(final);
    const history = entry
      ? appendHistory(app.status?.history, entry, app.spec?.revisionHistoryLimit ?? undefined)
      : app.status?.history;
    await write(final, history);
    await emit('operation.succeeded', {
      operationId: opId,
      revision,
      message: end.message,
      durationMs,
    });
    await clearIfSame(deps, ref, operation);
    return;
  }
  const terminated = deps.terminated(ref).aborted;
  const decision = decideRetry({
    strategy: compileRetryStrategy(operation.retry, operation.initiatedBy?.automated ?? false),
    retryCount,
    message: end.message,
    failedAt: new Date(),
    terminated,
  });
  if (decision.retry && !terminated) {
    // The next attempt starts at retryAt with fresh results; the command comes back then.
    await write({
      ...state(OperationPhase.Running, decision.message, end.results, revision),
      startedAt: decision.retryAt.toISOString(),
      retryCount: decision.retryCount,
      syncResult: { revision, resources: [] },
    });
    throw new WaitingError('retrying', Math.max(0, decision.retryAt.getTime() - Date.now()));
  }
  await write(state(end.phase, decision.message, end.results, revision, true));
  await emit('operation.failed', {
    operationId: opId,
    revision,
    message: decision.message,
    durationMs,
  });
  await clearIfSame(deps, ref, operation);
}

/** Metrics of a finished operation: its phase, trigger and duration. */
function countFinished(s: OperationState): void {
  const trigger = s.operation?.initiatedBy?.automated ? 'automated' : 'operation';
  metrics.syncOperations.inc({ phase: s.phase, trigger });
  if (s.finishedAt)
    metrics.syncSeconds.observe(
      { phase: s.phase },
      Math.max(0, Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000,
    );
}

async function clearIfSame(deps: OperationDeps, ref: AppRef, operation: Operation): Promise<void> {
  // Status writes by the differ move resourceVersion on; a conflict means "read again".
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = await readApp(deps.kc, ref);
    if (!now || !same(now.operation, operation)) return;
    const rv = (now.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (await clearOperation(deps.kc, ref, rv)) return;
  }
  deps.logger.warn({ app: ref }, 'could not clear the finished operation');
}

async function planFor(
  deps: OperationDeps,
  app: Application,
  operation: Operation,
  objects: DiffObject[],
  startedAt: string,
  revision: string,
) {
  const { cache } = deps;
  const ref = { namespace: app.metadata?.namespace ?? '', name: app.metadata?.name ?? '' };
  const dest = app.spec?.destination?.namespace ?? '';
  // Never apply to a cluster the app does not name.
  const problem = await deps.destinationProblem?.(app);
  if (problem) throw new PlanningError(problem);
  await cache.discovery.ready();
  await cache.ensureKindsOf(objects as KubernetesObject[], [
    { group: '', kind: 'Namespace' },
    ...(app.status?.resources ?? []),
  ]);
  const isNamespaced = (g: string, k: string) => cache.discovery.isNamespaced(g, k);
  const prepared = objects.map((o) =>
    prepareDesired(o, { app: ref, destinationNamespace: dest, isNamespaced }),
  );
  const desired: { object: DiffObject; key?: ResourceKey }[] = [];
  const problems: string[] = [];
  prepared.forEach((p, i) => {
    const raw = objects[i] as DiffObject;
    if (p.ok) desired.push({ object: p.object, key: p.key });
    else if (generateNameOf(raw)) desired.push({ object: withNamespace(raw, dest, isNamespaced) });
    else problems.push(`${p.key.kind}/${p.key.name}: ${p.message}`);
  });
  if (problems.length > 0) throw new PlanningError(problems.join('; '));
  await cache
    .want(
      desired
        .map((d) => d.key)
        .filter((k): k is ResourceKey => !!k && isNamespaced(k.group, k.kind) !== undefined),
    )
    .catch(() => undefined);
  const nsKey = { group: '', kind: 'Namespace', namespace: '', name: dest };
  if (dest) await cache.want([nsKey]).catch(() => undefined);
  const live = cache
    .filter((o) => isTrackedBy(o as DiffObject, ref))
    .map((o) => ({ object: o as DiffObject }));
  const sync = operation.sync ?? {};
  return planSync({
    desired,
    live,
    options: {
      operationStartedAt: startedAt,
      revision,
      destinationNamespace: dest,
      isNamespaced,
      prune: sync.prune ?? false,
      dryRun: sync.dryRun ?? false,
      ...(sync.resources ? { resources: sync.resources } : {}),
      ...(app.spec?.syncPolicy?.syncOptions
        ? { syncOptions: app.spec.syncPolicy.syncOptions }
        : {}),
      ...(sync.syncOptions ? { operationSyncOptions: sync.syncOptions } : {}),
      ...(sync.syncStrategy?.apply
        ? { skipHooks: true, force: sync.syncStrategy.apply.force ?? false }
        : { force: sync.syncStrategy?.hook?.force ?? false }),
      ...(app.spec?.syncPolicy?.managedNamespaceMetadata
        ? { managedNamespaceMetadata: app.spec.syncPolicy.managedNamespaceMetadata }
        : {}),
      destinationNamespaceObject: dest
        ? ((cache.get(nsKey) as DiffObject | undefined) ?? null)
        : null,
      hookFinalizer: false,
      pruneConfirmed: isDeletionApproved(app as SyncObject, startedAt),
    },
  });
}

function generateNameOf(obj: DiffObject): string | undefined {
  const meta = obj['metadata'] as { name?: string; generateName?: string } | undefined;
  return !meta?.name && meta?.generateName ? meta.generateName : undefined;
}

/** A hook named by generateName: the planner names it; only its namespace is decided here. */
function withNamespace(
  obj: DiffObject,
  dest: string,
  isNamespaced: (g: string, k: string) => boolean | undefined,
): DiffObject {
  const apiVersion = String(obj['apiVersion'] ?? '');
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  const copy = structuredClone(obj) as DiffObject & { metadata: Record<string, unknown> };
  if (isNamespaced(group, String(obj['kind'] ?? '')) !== false && !copy.metadata['namespace']) {
    copy.metadata['namespace'] = dest;
  }
  return copy;
}

/**
 * Ends the app's running operation with Error after a fault that kept
 * recurring (an apiserver that refuses every write, say), so an operation
 * never stays Running forever.
 */
export async function errorOperation(
  deps: OperationDeps,
  ref: AppRef,
  message: string,
): Promise<void> {
  const app = await readApp(deps.kc, ref);
  const operation = app?.operation;
  if (!app || !operation) return;
  const previous = app.status?.operationState;
  const startedAt =
    previous?.phase === OperationPhase.Running && same(previous.operation, operation)
      ? previous.startedAt
      : new Date().toISOString();
  await writeApplierStatus(deps.kc, ref, {
    operationState: {
      operation: operation as OperationState['operation'],
      phase: OperationPhase.Error,
      message,
      ...(previous?.syncResult ? { syncResult: previous.syncResult } : {}),
      startedAt,
      finishedAt: new Date().toISOString(),
    },
    ...(app.status?.history ? { history: app.status.history } : {}),
  });
  metrics.syncOperations.inc({
    phase: OperationPhase.Error,
    trigger: operation.initiatedBy?.automated ? 'automated' : 'operation',
  });
  await clearIfSame(deps, ref, operation);
}
