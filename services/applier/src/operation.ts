// One sync operation of one app under its lease, in four steps: resolve what
// to sync, plan it, execute the plan, and finish (or retry). Status is
// written as it goes; after a crash the next holder resumes from
// status.operationState.
import { OperationPhase, type Application, type Operation } from '@flotilla/api';
import { WaitingError, type BusPublisher, type Lease } from '@flotilla/bus';
import type { AppRef } from '@flotilla/contracts';
import {
  compileRetryStrategy,
  deniedEventData,
  decideRetry,
  fromResourceResults,
  isDeletionApproved,
  isSyncOptionsError,
  SyncTaskType,
  type SyncResourceResult,
  type SyncObject,
  type SyncPlan,
} from '@flotilla/gitops';
import { isClusterConnectionError, resourceVersionAtLeast, type KubeConfig } from '@flotilla/kube';
import type { DesiredState, DesiredStore } from '@flotilla/render';
import { activeSpan, failSpan, SpanAttr, type Logger } from '@flotilla/runtime';
import { readApp } from './app-io.js';
import { isDestinationUnreachableError, isPlanningError, isSharedResourceError } from './errors.js';
import type { ClusterHolds } from './holds.js';
import { executePlan, type ExecutionDeps, type ExecutionEnd, type HookDriver } from './execute.js';
import { endWithdrawn } from './operation-end.js';
import {
  OPERATION_RENDER_POLL_MS,
  OPERATION_RENDER_WAIT_MS,
  describeTarget,
  operationRender,
  operationTarget,
  syncedSources,
} from './operation-desired.js';
import { planOperation, writtenKeys } from './operation-plan.js';
import { AppliedObjects, predictCompared } from './prediction.js';
import { destinationDown } from './tasks.js';
import { OperationRun, announceEnd, endOperation, same } from './operation-run.js';
import {
  ProjectDeniedError,
  WindowBlockedError,
  isProjectDeniedError,
  type ProjectGate,
  type WindowCheck,
} from './project-gate.js';

/**
 * How long a quiet operation (carried by its command, no hooks) holds its progress
 * before writing it: longer than a one-wave sync takes on a saturated apiserver.
 */
const QUIET_PROGRESS_DELAY_MS = 10_000;

/** How long a sync waits for its cluster to answer again, unless the applier is told otherwise. */
export const DEFAULT_CLUSTER_WAIT_MS = 600_000;
/** How often a held operation asks again whether its cluster answers. */
const CLUSTER_WAIT_POLL_MS = 2_000;

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
  /** The app's project checks (fresh from the apiserver); none in tests that do not need them. */
  readonly projectGate?: ProjectGate;
  /** Manual syncs against the project's sync windows. */
  readonly windowCheck?: WindowCheck;
  /** Aborted when the app's operation is withdrawn (terminate). */
  readonly terminated: (ref: AppRef) => AbortSignal;
  /** Calls `wake` when the Application changes; returns the unsubscribe function. */
  readonly watchApp?: (ref: AppRef, wake: () => void) => () => void;
  /** The Application as the applier's watch holds it; without it, steps read it. */
  readonly watchedApp?: (ref: AppRef) => Application | undefined;
  /**
   * How long an operation whose cluster stopped answering is held for it, from
   * the first time it found it down; {@link DEFAULT_CLUSTER_WAIT_MS} unless set.
   */
  readonly clusterWaitMs?: number;
  /** When each held attempt's hold began. */
  readonly holds: ClusterHolds;
}

/**
 * Runs (or resumes) the app's operation while `lease` is held. `read` is the
 * Application as read after the lease was taken, when the caller has it (null:
 * it does not exist); otherwise it is read here.
 */
export async function runOperation(
  deps: OperationDeps,
  ref: AppRef,
  lease: Lease,
  stopping: AbortSignal,
  read?: Application | null,
  carried?: CarriedOperation,
): Promise<void> {
  const app = read === undefined ? await readApp(deps.kc, ref) : (read ?? undefined);
  const previous = app?.status?.operationState;
  if (app && previous?.phase === OperationPhase.Terminating) {
    // Terminated while it waited between deliveries (its render, a retry's backoff).
    await endWithdrawn(deps, ref, app, previous);
    return;
  }
  const operation = app?.operation ?? (app && carried ? acceptCarried(app, carried) : undefined);
  if (app && carried && !operation) {
    const decided = decidedAt(carried);
    if (previous?.finishedAt && decided !== undefined && previous.startedAt === decided) {
      // This decision's own operation ended, and the run that ended it died before
      // it announced the end (its delivery came back): announced here, once.
      await announceEnd(deps, ref, previous);
    } else {
      // A stale decision: the app is compared again, at the version read here.
      deps.logger.info({ app: ref }, 'automated sync decided before another operation: dropped');
    }
    await endOperation(deps, ref, undefined, app);
    return;
  }
  if (app && !operation && previous?.phase === OperationPhase.Running) {
    // An automated operation that a command carries is in that command's hands.
    if (previous.operation?.initiatedBy?.automated && !app.operation) return;
    await endWithdrawn(deps, ref, app, previous);
    return;
  }
  if (!app || !operation?.sync) return;
  const resuming =
    previous?.phase === OperationPhase.Running && same(previous.operation, operation)
      ? previous
      : undefined;
  if (resuming && Date.parse(resuming.startedAt) > Date.now()) {
    // A retry waits for its backoff.
    activeSpan()?.setAttribute(SpanAttr.result, 'waiting for the retry backoff');
    throw new WaitingError('retry backoff', Date.parse(resuming.startedAt) - Date.now());
  }
  const run = new OperationRun(
    deps,
    ref,
    app,
    { ...operation, sync: operation.sync },
    resuming,
    lease,
    !app.operation,
    app.operation ? undefined : decidedAt(carried),
  );
  // A held operation whose cluster still does not answer is held again at the cost of
  // one probe: no render read, project read or planning every time its command returns.
  const held = resuming ? await deps.holds.since(run.opId) : undefined;
  if (held && !(await deps.cache.reachableNow())) {
    await holdForCluster(
      deps,
      run,
      destinationDown(deps) ?? 'the destination cluster is unreachable',
    );
    return;
  }

  const resolved = await resolveDesired(deps, run);
  if (!resolved) return;
  const plan = await planStep(deps, run, resolved.desired, resolved.appDesired);
  if (!plan) return;
  // The cluster answered and the attempt goes on: a later outage is a hold of its own.
  if (held) await deps.holds.end(run.opId);
  const applied = new AppliedObjects();
  const end = await executeStep(deps, run, plan, lease, stopping, applied).catch(
    async (err: unknown) => {
      const down = await unreachableAfter(deps, err);
      if (down === undefined) throw err;
      return {
        phase: OperationPhase.Error,
        message: down,
        results: [],
        unreachable: true,
      } satisfies ExecutionEnd;
    },
  );
  if (end.unreachable) {
    // What ran before the outage stays in status: the held operation resumes from it.
    await holdForCluster(deps, run, end.message, end.results.length > 0 ? end.results : undefined);
    return;
  }
  await concludeStep(
    deps,
    run,
    end,
    resolved.appDesired ? { plan, desired: resolved.desired, applied } : undefined,
  );
}

/** An automated sync's operation carried by its command, and what the deciding comparison saw. */
export interface CarriedOperation {
  readonly operation: Operation;
  /** The `startedAt` of the last operation the comparison saw ('' for none). */
  readonly lastOperationStartedAt: string;
  /** When the comparison decided it (RFC 3339), if the command says. */
  readonly decidedAt?: string;
}

/** The decision time of a carried operation, when it is a valid time not in the future. */
function decidedAt(carried: CarriedOperation | undefined): string | undefined {
  const at = carried?.decidedAt;
  if (!at) return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) || ms > Date.now() ? undefined : new Date(ms).toISOString();
}

/**
 * The carried operation when it is still the app's to run: the one running
 * (resumed after a crash or a retry's backoff), or a new one when no
 * operation started since the comparison that decided it (that one asks for
 * a comparison when it ends, which decides again).
 */
function acceptCarried(app: Application, carried: CarriedOperation): Operation | undefined {
  const previous = app.status?.operationState;
  if (previous?.phase === OperationPhase.Running) {
    return same(previous.operation, carried.operation) ? carried.operation : undefined;
  }
  if ((previous?.startedAt ?? '') !== carried.lastOperationStartedAt) return undefined;
  // Automated sync turned off since the decision: nothing to do.
  const automated = app.spec?.syncPolicy?.automated;
  return automated && automated.enabled !== false ? carried.operation : undefined;
}

/**
 * Why an attempt that threw `err` could not go on when the reason is its
 * destination cluster not answering (undefined otherwise): the error said
 * so, or it was a connection error and the cluster does not answer a probe
 * (the Application's own cluster failing a status write is a fault).
 */
async function unreachableAfter(deps: OperationDeps, err: unknown): Promise<string | undefined> {
  if (isDestinationUnreachableError(err)) return err.message;
  if (!isClusterConnectionError(err) || (await deps.cache.probeNow())) return undefined;
  return destinationDown(deps) ?? `the destination cluster is unreachable: ${String(err)}`;
}

/**
 * Holds the operation while its destination does not answer (`down` says
 * why), from when its hold began (kept in {@link ClusterHolds}, so a restart
 * or another replica goes on counting): a Running state saying it waits for
 * the cluster since then, and the command back
 * every {@link CLUSTER_WAIT_POLL_MS}. Nothing is planned, applied or pruned
 * meanwhile; once the cluster answers, the next delivery plans afresh and
 * resumes from the results kept (`results`, else those of the state it
 * resumed). A hold longer than the cluster wait ends the attempt in Error,
 * and the app's retry policy decides what follows.
 */
async function holdForCluster(
  deps: OperationDeps,
  run: OperationRun,
  down: string,
  results?: readonly SyncResourceResult[],
): Promise<void> {
  await run.started();
  const waitMs = deps.clusterWaitMs ?? DEFAULT_CLUSTER_WAIT_MS;
  const since = await deps.holds.begin(run.opId, waitMs);
  if (Date.now() - since.getTime() >= waitMs) {
    await deps.holds.end(run.opId);
    const waited = waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)} s for it)` : '';
    const end = {
      phase: OperationPhase.Error,
      message: `${down}${waited}`,
      results: results ?? [],
    };
    await concludeStep(deps, run, end);
    return;
  }
  const cluster = deps.cluster
    ? `cluster ${deps.cluster.name} (${deps.cluster.server})`
    : 'the destination cluster';
  const why = deps.cache.unreachable()?.error.message ?? down;
  const message = `waiting for ${cluster} since ${since.toISOString()}, for up to ${Math.round(waitMs / 1000)} s: ${why}`;
  if (run.resumed?.message !== message) {
    const state = run.state(OperationPhase.Running, message, results ?? []);
    // Without results of its own, the state it resumed keeps its results and revision.
    const kept = run.resumed?.syncResult;
    await run.write(results || !kept ? state : { ...state, syncResult: kept });
  }
  activeSpan()?.setAttribute(SpanAttr.result, 'waiting for the destination cluster');
  throw new WaitingError('waiting for the destination cluster', CLUSTER_WAIT_POLL_MS);
}

/**
 * The manifests to sync: the app's desired state, or a render of exactly what
 * the operation asks for (waited for between deliveries). Finishes the
 * operation with Error, and returns undefined, when there is none to trust.
 */
async function resolveDesired(
  deps: OperationDeps,
  run: OperationRun,
): Promise<{ desired: DesiredState; appDesired: boolean } | undefined> {
  const { app, ref, operation, startedAt } = run;
  const stored = await deps.desired.get(ref);
  const target = operationTarget(app, operation.sync, stored);
  const desired = target ? await operationRender(deps, ref, target, startedAt) : stored;
  if (target && !desired && run.durationMs < OPERATION_RENDER_WAIT_MS) {
    run.revision = target.revisions[0] ?? '';
    const message = `waiting for the manifests of ${describeTarget(target)}`;
    if (run.resumed?.message !== message) await run.progress(message);
    await run.started();
    throw new WaitingError('waiting for the operation render', OPERATION_RENDER_POLL_MS);
  }
  run.revision = desired?.revisions[0] || target?.revisions[0] || operation.sync.revision || '';
  run.synced = syncedSources(app, target, desired?.revisions ?? []);
  if (desired && !desired.error && desired.hash)
    return { desired, appDesired: target === undefined };
  // Never destroy on doubt: no usable desired state, no sync.
  const message = !target
    ? `no rendered manifests: ${desired?.error?.message ?? 'not rendered yet'}`
    : desired
      ? `could not render ${describeTarget(target)}: ${desired.error?.message ?? 'no manifests'}`
      : `no manifests of ${describeTarget(target)} after ${OPERATION_RENDER_WAIT_MS / 1000} s: is a renderer running?`;
  // Without a target the operation was never announced as started, so it ends quietly.
  await run.finish(OperationPhase.Error, message, [], { announce: target !== undefined });
  return undefined;
}

/**
 * Plans the sync; a plan that cannot be made finishes the operation with
 * Error, a shared resource under FailOnSharedResource with Failed.
 */
async function planStep(
  deps: OperationDeps,
  run: OperationRun,
  desired: DesiredState,
  appDesired: boolean,
): Promise<SyncPlan | undefined> {
  try {
    return await planOperation(deps, run, desired, appDesired);
  } catch (err) {
    if (err instanceof WindowBlockedError) {
      const v = err.verdict;
      await run.emit('operation.blocked-by-window', {
        message: v.message,
        manual: true,
        ...(v.nextChange ? { nextChange: v.nextChange.toISOString() } : {}),
      });
      await run.finish(OperationPhase.Failed, err.message, [], { startedFirst: true });
      return undefined;
    }
    if (isProjectDeniedError(err)) {
      await announceDenials(run, err);
      await run.finish(OperationPhase.Failed, err.message, [], { startedFirst: true });
      return undefined;
    }
    const down = await unreachableAfter(deps, err);
    if (down !== undefined) {
      // Held until it answers (or the wait runs out): not a fault of the applier's.
      await holdForCluster(deps, run, down);
      return undefined;
    }
    if (isSharedResourceError(err)) {
      // As Argo CD: a refused takeover fails the sync; it is not an error of Flotilla's.
      await run.finish(OperationPhase.Failed, err.message, [], { startedFirst: true });
      return undefined;
    }
    if (!isPlanningError(err) && !isSyncOptionsError(err)) throw err;
    await run.finish(OperationPhase.Error, err.message, [], { startedFirst: true });
    return undefined;
  }
}

/** Runs the plan from the results a resumed attempt already has. */
async function executeStep(
  deps: OperationDeps,
  run: OperationRun,
  plan: SyncPlan,
  lease: Lease,
  stopping: AbortSignal,
  applied: AppliedObjects,
): Promise<ExecutionEnd> {
  const { ref, opId, startedAt } = run;
  const resumed = run.resumed
    ? fromResourceResults(run.resumed.syncResult?.resources ?? [], [
        ...plan.tasks,
        ...plan.syncFailTasks,
      ])
    : [];
  // The Running state is written while the dry runs go on: they change nothing, and
  // the executor writes nothing (to the cluster or status) before it is written.
  // `started` goes out once the Running state is written, so a replica that takes over
  // after a crash resumes this operation instead of starting another (a started event
  // with no end); its id makes the re-announcement of a resume right after planning one.
  // An automated operation its command carries, with no hook, writes no Running state
  // first: a short one then costs one status write, its end. Its command is what resumes
  // it after a crash (from the start, as nothing was written; applies are idempotent),
  // and its progress waits QUIET_PROGRESS_DELAY_MS before it is written: a wave still
  // waiting for health by then writes Running; a short sync on a loaded apiserver, whose
  // applies and cache are slow to answer, still writes only its end.
  const quiet =
    run.carried &&
    !run.resumed &&
    plan.syncFailTasks.length === 0 &&
    !plan.tasks.some((t) => t.type === SyncTaskType.Hook);
  const running = quiet
    ? run.started()
    : (async () => {
        await run.progress(run.resumed ? 'resuming' : 'planned', resumed);
        if (!run.resumed || run.resumed.message === 'planned') await run.started({ again: true });
      })();
  running.catch(() => undefined); // awaited by the executor; not unhandled meanwhile
  const watchApp = deps.watchApp;
  return executePlan(
    {
      ...deps,
      hookDriver: deps.hooksFor(ref, opId),
      ...(watchApp ? { appChanged: (wake: () => void) => watchApp(ref, wake) } : {}),
      applied: (key, target, live) => {
        deps.applied?.(key, target, live);
        applied.record(key, live);
      },
    },
    plan,
    resumed,
    {
      progress: (results, message) => run.progress(message, results),
      ...(quiet ? { progressDelayMs: QUIET_PROGRESS_DELAY_MS } : {}),
      applied: async (task, result) => {
        if (task.type === 'prune' && result.status === 'Pruned') {
          await run.emit('resource.pruned', {
            operationId: opId,
            resource: task.key,
            wave: task.wave,
          });
        } else if (result.status === 'Synced') {
          await run.emit('resource.applied', {
            operationId: opId,
            resource: task.key,
            phase: task.phase,
            wave: task.wave,
            message: result.message,
          });
        }
      },
      // A project edited while the operation runs counts from the next step on.
      beforeStep: async (tasks) => {
        const gate = deps.projectGate;
        if (!gate) return undefined;
        const current = deps.watchedApp
          ? newer(deps.watchedApp(ref), run.app)
          : ((await readApp(deps.kc, ref)) ?? run.app);
        const isNamespaced = (g: string, k: string) => deps.cache.discovery.isNamespaced(g, k);
        const denials = await gate(
          current,
          writtenKeys({ tasks, syncFailTasks: [] }),
          isNamespaced,
        );
        if (denials.length === 0) return undefined;
        const err = new ProjectDeniedError(denials);
        await announceDenials(run, err);
        return err.message;
      },
      stepCompleted: (phase, wave, resourceCount) =>
        run.emit('operation.wave-completed', { operationId: opId, phase, wave, resourceCount }),
      pruneConfirmed: async () => {
        const now = await readApp(deps.kc, ref);
        return now !== undefined && isDeletionApproved(now as SyncObject, startedAt);
      },
    },
    {
      terminate: deps.terminated(ref),
      stop: AbortSignal.any([lease.lost, stopping]),
      running,
    },
  );
}

/**
 * Finishes the operation as it ended, or schedules its retry. A success of
 * the app's own desired state (`synced`) carries what the next comparison
 * will find, when the sync settles it.
 */
async function concludeStep(
  deps: OperationDeps,
  run: OperationRun,
  end: ExecutionEnd,
  synced?: { plan: SyncPlan; desired: DesiredState; applied: AppliedObjects },
): Promise<void> {
  if (end.phase === OperationPhase.Succeeded) {
    const predicted = synced
      ? await predictCompared({
          ref: run.ref,
          app: deps.watchedApp ? newer(deps.watchedApp(run.ref), run.app) : run.app,
          operation: run.operation,
          ...synced,
          results: end.results,
          cache: deps.cache,
          health: deps.health,
          now: new Date().toISOString(),
        })
      : undefined;
    if (typeof predicted === 'string')
      deps.logger.debug({ app: run.ref, why: predicted }, 'no prediction of the next comparison');
    await run.finish(OperationPhase.Succeeded, end.message, end.results, {
      ...(predicted && typeof predicted !== 'string' ? { predicted } : {}),
    });
    return;
  }
  const terminated = deps.terminated(run.ref).aborted;
  const decision = decideRetry({
    strategy: compileRetryStrategy(
      run.operation.retry,
      run.operation.initiatedBy?.automated ?? false,
    ),
    retryCount: run.retryCount,
    message: end.message,
    failedAt: new Date(),
    terminated,
  });
  if (decision.retry && !terminated) {
    // This attempt failed: its span says so, and the next attempt gets a span of its own.
    const span = activeSpan();
    if (span) {
      span.setAttribute(SpanAttr.result, `${end.phase}, retry ${decision.retryCount} planned`);
      failSpan(span, end.message);
    }
    // The next attempt starts at retryAt with fresh results; the command comes back then.
    await run.write({
      ...run.state(OperationPhase.Running, decision.message, end.results),
      startedAt: decision.retryAt.toISOString(),
      retryCount: decision.retryCount,
      syncResult: { revision: run.revision, resources: [] },
    });
    throw new WaitingError('retrying', Math.max(0, decision.retryAt.getTime() - Date.now()));
  }
  await run.finish(
    end.phase as Parameters<OperationRun['finish']>[0],
    decision.message,
    end.results,
  );
}

/** Publishes each refusal of the app's project, once per operation and rule. */
async function announceDenials(run: OperationRun, err: ProjectDeniedError): Promise<void> {
  for (const d of err.denials) {
    await run.emit(
      'project.denied',
      deniedEventData(d, 'sync', run.opId),
      `${run.opId}:denied:${d.rule}:${d.subject}`,
    );
  }
}

/** The newer of the watch's copy of an app and the one an operation read. */
function newer(watched: Application | undefined, read: Application): Application {
  const rv = (a: Application) =>
    (a.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  return watched && resourceVersionAtLeast(rv(watched), rv(read)) ? watched : read;
}

export { errorOperation } from './operation-end.js';
