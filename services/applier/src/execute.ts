// Runs one planned sync to its end: dry run, then step by step with the pure
// `syncProgress` deciding what comes next from the results so far, waiting on
// watch events (never a fixed sleep) for health, hooks and deletions.
import { OperationPhase, ResultCode } from '@flotilla/api';
import {
  applyBatches,
  applyResult,
  hookDeletionFailedResult,
  hooksToDeleteOnTerminate,
  pruneResult,
  resourceHealthResult,
  resultId,
  syncProgress,
  SyncTaskType,
  type SyncPlan,
  type SyncResourceResult,
  type SyncTask,
} from '@flotilla/gitops';
import type { HealthResult } from '@flotilla/gitops';
import type { KubernetesObject } from '@flotilla/kube';
import { liveObject, nextChange } from '@flotilla/sync-exec';
import {
  failSpan,
  inSpan,
  runInSpan,
  SpanAttr,
  startChildSpan,
  type Span,
} from '@flotilla/runtime';
import { FreshWrites } from './fresh-writes.js';
import { ProgressWriter } from './progress-writer.js';
import {
  applyTask,
  deleteBeforeHook,
  deleteHook,
  destinationDown,
  dryRunTask,
  dryRunsDone,
  mapBounded,
  pruneTask,
  unchangedResult,
  type TaskDeps,
} from './tasks.js';

/** What the executor reports as it goes. */
export interface ExecutionHooks {
  /** Results or message changed: write them to status. */
  progress(results: readonly SyncResourceResult[], message: string): Promise<void>;
  /** A task finished its apply or prune (for resource.* and hook.* events). */
  applied(task: SyncTask, result: SyncResourceResult): Promise<void>;
  /** Every task of a step is done. */
  stepCompleted(phase: string, wave: number, resourceCount: number): Promise<void>;
  /**
   * Called before a step's tasks run; a message stops the operation (Failed)
   * before anything of that step is written.
   */
  beforeStep?(tasks: readonly SyncTask[]): Promise<string | undefined>;
  /** Whether `Prune=confirm` deletions are approved now (read while the plan waits for it). */
  pruneConfirmed?(): Promise<boolean>;
  /**
   * Hold new results this long before writing them, as a change of the message is held:
   * for an operation nothing resumes from status (its command restarts it).
   */
  readonly progressDelayMs?: number;
}

/** Everything one execution needs. */
export interface ExecutionDeps extends TaskDeps {
  readonly health: (obj: KubernetesObject) => Promise<HealthResult | undefined>;
  readonly applyParallelism: number;
  readonly hookDriver: HookDriver;
  /** Calls `wake` when the Application changes (an approval annotation); returns the unsubscribe function. */
  readonly appChanged?: (wake: () => void) => () => void;
}

/** A hook as the hook-runner gets it: a sync hook task, or a PreDelete/PostDelete hook. */
export interface HookHandOver extends Pick<SyncTask, 'key' | 'targetObject' | 'hookTimeoutMs'> {
  /** The hook type: a sync phase, PreDelete or PostDelete. */
  readonly phase: string;
  readonly wave: number;
}

/** The hand-over of one operation's hooks to the hook-runner. */
export interface HookDriver {
  /** Records the hooks and sends the command that runs them. */
  start(tasks: readonly HookHandOver[]): Promise<void>;
  /** Marks hooks as ended so the hook-runner stops and deletes them (terminate). */
  cancel(tasks: readonly Pick<SyncTask, 'key'>[]): Promise<void>;
  /** True when this operation already handed the hook over (so the live hook is its own). */
  handedOver(task: Pick<SyncTask, 'key'>): Promise<boolean>;
  /** How a hook ended, or undefined while it runs. */
  verdict(
    task: Pick<SyncTask, 'key'>,
  ): Promise<{ phase: 'Succeeded' | 'Failed'; message: string } | undefined>;
  /** Calls `wake` when a hook may have ended; returns the unsubscribe function. */
  wakeOn(wake: () => void): () => void;
}

/** How an execution ended. */
export interface ExecutionEnd {
  readonly phase: OperationPhase;
  readonly message: string;
  readonly results: readonly SyncResourceResult[];
  /** Set when the attempt stopped because its destination cluster does not answer. */
  readonly unreachable?: true;
}

/** The message of an operation stopped by a terminate request. */
export const TERMINATED_MESSAGE = 'Operation terminated';

/** What stops an execution, and what it waits for before its first write. */
export interface ExecutionSignals {
  readonly terminate: AbortSignal;
  readonly stop: AbortSignal;
  readonly running?: Promise<void>;
}

/**
 * Runs `plan` from `resumed` results (empty for a fresh run) until it ends.
 * `terminate` aborts when the operation is withdrawn: running hooks are
 * deleted and the operation ends Failed. `running`, when given, resolves once
 * the operation's Running state is written: only the dry runs go on before
 * it, and nothing is written or returned until it has.
 */
export async function executePlan(
  deps: ExecutionDeps,
  plan: SyncPlan,
  resumed: readonly SyncResourceResult[],
  hooks: ExecutionHooks,
  signals: ExecutionSignals,
): Promise<ExecutionEnd> {
  const writes = new FreshWrites(deps.cache);
  // Events tell, they never decide: a step goes on while its events are sent (one
  // connection keeps their order), and the execution ends once every one is. A failed
  // publish is the publisher's to log; it stops nothing.
  const sending = new Set<Promise<unknown>>();
  const announce = (event: Promise<unknown>) => {
    const sent = event.catch(() => undefined).finally(() => sending.delete(sent));
    sending.add(sent);
  };
  try {
    return await execute(
      {
        ...deps,
        applied: (key, target, live) => {
          writes.record(key, live);
          deps.applied?.(key, target, live);
        },
      },
      writes,
      plan,
      resumed,
      {
        ...hooks,
        applied: async (task, result) => announce(hooks.applied(task, result)),
        stepCompleted: async (phase, wave, count) =>
          announce(hooks.stepCompleted(phase, wave, count)),
      },
      signals,
    );
  } finally {
    writes.close();
    await Promise.all(sending);
  }
}

async function execute(
  deps: ExecutionDeps,
  writes: FreshWrites,
  plan: SyncPlan,
  resumed: readonly SyncResourceResult[],
  hooks: ExecutionHooks,
  signals: ExecutionSignals,
): Promise<ExecutionEnd> {
  // The results so far by id, in the order status lists them (a newer result of a task
  // replaces its older one at the end); the list is made again only after a change.
  const byId = new Map(resumed.map((r) => [resultId(r.key, r.syncPhase), r]));
  let list: readonly SyncResourceResult[] | undefined;
  const results = () => (list ??= [...byId.values()]);
  const all = [...plan.tasks, ...plan.syncFailTasks];
  // Status holds the resumed results already (the caller wrote them with the Running state).
  const writer = new ProgressWriter((r, message) => hooks.progress(r, message), {
    written: results(),
    ...(hooks.progressDelayMs !== undefined ? { resultsDelayMs: hooks.progressDelayMs } : {}),
  });
  // Results of resources applied may reach status a little later (a resume applies them
  // again); those of hooks, prunes and failures go at once.
  let urgent = false;
  const progress = (message: string) => {
    writer.report(results(), message, urgent);
    urgent = false;
  };
  const set = (r: SyncResourceResult) => {
    const id = resultId(r.key, r.syncPhase);
    byId.delete(id);
    byId.set(id, r);
    list = undefined;
    const failed = r.hookPhase === OperationPhase.Failed || r.hookPhase === OperationPhase.Error;
    if (r.hookType !== undefined || r.status !== ResultCode.Synced || failed) urgent = true;
  };

  if (byId.size === 0) {
    const failures: SyncResourceResult[] = [];
    // Objects in a namespace this sync creates cannot be dry-run before it exists.
    const newNamespaces = new Set(
      all
        .filter((t) => t.key.kind === 'Namespace' && t.key.group === '' && !t.liveObject)
        .map((t) => t.key.name),
    );
    // A plan of one object needs no dry run first: its apply is the check, and a refused
    // one writes nothing either (a dry run of all first keeps a sync of many from
    // stopping half-applied). That is one apiserver request fewer for the common app of one.
    const alone = all.length === 1 && all[0]?.type === SyncTaskType.Apply && !plan.dryRun;
    const toCheck = alone
      ? []
      : all.filter(
          (t) =>
            (t.type === SyncTaskType.Apply || t.type === SyncTaskType.Hook) &&
            !t.unchanged &&
            !newNamespaces.has(t.key.namespace),
        );
    // What the comparison before this sync dry-ran already, and saw pass, is not asked again.
    const done = await dryRunsDone(deps, toCheck);
    await mapBounded(
      toCheck.filter((t) => !done.has(t)),
      deps.applyParallelism,
      async (t) => {
        const error = await dryRunTask(deps, t);
        if (error !== undefined) failures.push(applyResult(t, { error }));
      },
    );
    await signals.running;
    if (failures.length > 0) {
      return {
        phase: OperationPhase.Failed,
        message: `one or more objects failed to apply (dry run): ${failures.map((f) => f.message).join('; ')}`,
        results: failures,
      };
    }
    if (plan.dryRun) {
      for (const t of plan.tasks) {
        if (t.type === SyncTaskType.Prune) set(pruneResult(t, {}, true));
        else if (t.type !== SyncTaskType.DeleteBeforeHook) set(applyResult(t, {}, true));
      }
      return {
        phase: OperationPhase.Succeeded,
        message: 'successfully synced (dry run)',
        results: results(),
      };
    }
  }

  await signals.running;

  const runTasks = async (tasks: readonly SyncTask[]) => {
    for (const t of tasks.filter((x) => x.type === SyncTaskType.Prune)) {
      const r = await pruneTask(deps, t);
      set(r);
      await hooks.applied(t, r);
    }
    for (const t of tasks.filter((x) => x.type === SyncTaskType.DeleteBeforeHook)) {
      // Resuming after a crash that came before the hand-over reached status: the
      // live hook is this operation's own and may still run; it is adopted, not deleted.
      if (await deps.hookDriver.handedOver(t)) continue;
      const error = await deleteBeforeHook(deps, t, signals.terminate);
      if (error !== undefined) set(hookDeletionFailedResult(t, error));
    }
    const pending = new Set(tasks.map((t) => t.id));
    const step = {
      index: 0,
      phase: 'Sync' as const,
      wave: 0,
      tasks: tasks.filter((t) => pending.has(t.id)),
    };
    for (const batch of applyBatches(step)) {
      const fresh = batch.filter((t) => !byId.has(resultId(t.key, t.phase)));
      const handOver = fresh.filter((t) => t.type === SyncTaskType.Hook);
      const applies = fresh.filter((t) => t.type !== SyncTaskType.Hook);
      // Hooks go to the hook-runner; they run while this batch's resources apply.
      await deps.hookDriver.start(handOver);
      for (const t of handOver) set(applyResult(t, { message: 'handed to the hook-runner' }));
      const out =
        applies.length === 0
          ? []
          : await inSpan(
              'applier.apply',
              { attributes: { [SpanAttr.resources]: applies.length } },
              async (span) => {
                const done = await mapBounded(applies, deps.applyParallelism, (t) =>
                  t.unchanged ? Promise.resolve(unchangedResult(t)) : applyTask(deps, t),
                );
                const failed = done.filter((r) => r?.status === ResultCode.SyncFailed);
                span.setAttribute(
                  SpanAttr.result,
                  failed.length > 0 ? `${failed.length} failed` : 'applied',
                );
                if (failed.length > 0) failSpan(span, failed.map((r) => r?.message).join('; '));
                return done;
              },
            );
      out.forEach((r) => set(r));
      // Nothing was applied to an unchanged resource: no event says it was.
      await Promise.all(
        applies.map((t, i) => (out[i] && !t.unchanged ? hooks.applied(t, out[i]) : undefined)),
      );
    }
  };

  let active = plan;
  const wakeOn = (wake: () => void) => {
    const hooksDone = deps.hookDriver.wakeOn(wake);
    const appDone = deps.appChanged?.(wake);
    // The cluster going away ends a wait at once: see below.
    const reachabilityDone = deps.cache.onReachability(wake);
    return () => {
      hooksDone();
      appDone?.();
      reachabilityDone();
    };
  };
  let lastStep: { phase: string; wave: number; count: number; index: number } | undefined;
  // One span per sync wave, from its first apply until the next step begins
  // (its resources healthy, its hooks done) or the operation ends.
  let waveSpan: Span | undefined;
  let waveTasks: readonly SyncTask[] = [];
  // What failed in the wave that just ended, from its tasks' results.
  const waveFailure = (): string | undefined => {
    const index = byId;
    const failed = waveTasks
      .map((t) => index.get(resultId(t.key, t.phase)))
      .filter(
        (r) =>
          r &&
          (r.status === ResultCode.SyncFailed ||
            r.hookPhase === OperationPhase.Failed ||
            r.hookPhase === OperationPhase.Error),
      );
    return failed.length > 0
      ? failed.map((r) => `${r?.key.kind}/${r?.key.name}: ${r?.message ?? 'failed'}`).join('; ')
      : undefined;
  };
  const endWave = (result: string, failure?: string) => {
    if (!waveSpan) return;
    waveSpan.setAttribute(SpanAttr.result, result);
    if (failure !== undefined) failSpan(waveSpan, failure);
    waveSpan.end();
    waveSpan = undefined;
  };
  try {
    const end = await steps();
    const failure = waveFailure();
    endWave(
      failure ? 'failed' : end.phase,
      failure ?? (end.phase === OperationPhase.Succeeded ? undefined : end.message),
    );
    return end;
  } catch (err) {
    endWave('stopped', (err as Error).message);
    throw err;
  }

  async function steps(): Promise<ExecutionEnd> {
    for (;;) {
      if (signals.stop.aborted) throw signals.stop.reason ?? new Error('stopped');
      if (signals.terminate.aborted) {
        const toDelete = hooksToDeleteOnTerminate(all, byId);
        await deps.hookDriver.cancel(toDelete);
        await Promise.all(toDelete.map((t) => deleteHook(deps, t)));
        await writer.flush();
        return { phase: OperationPhase.Failed, message: TERMINATED_MESSAGE, results: results() };
      }
      // A cluster that stopped answering stops this run: its health and hooks cannot be
      // seen (the cache holds what it last saw), and writes would fail one by one. The
      // operation is held until it answers (runOperation), then resumes from these results.
      // One probe first: a blip the cache saw is over by the time it answers.
      const down =
        destinationDown(deps) !== undefined && !(await deps.cache.reachableNow())
          ? destinationDown(deps)
          : undefined;
      if (down !== undefined) {
        await writer.flush();
        return {
          phase: OperationPhase.Error,
          message: down,
          results: results(),
          unreachable: true,
        };
      }
      const next = syncProgress(active, results());
      if (lastStep && (next.kind !== 'run-step' || next.step.index !== lastStep.index)) {
        if (next.kind !== 'wait') {
          await hooks.stepCompleted(lastStep.phase, lastStep.wave, lastStep.count);
          const failure = waveFailure();
          endWave(failure ? 'failed' : 'completed', failure);
          lastStep = undefined;
        }
      }
      switch (next.kind) {
        case 'run-step': {
          const refused = await hooks.beforeStep?.(next.tasks);
          if (refused !== undefined) {
            await writer.flush();
            const where = `${next.step.phase} wave ${next.step.wave}`;
            return {
              phase: OperationPhase.Failed,
              message: `stopped before ${where}: ${refused}`,
              results: results(),
            };
          }
          progress(`${next.step.phase} wave ${next.step.wave}: ${next.message}`);
          lastStep = {
            phase: next.step.phase,
            wave: next.step.wave,
            count: next.step.tasks.length,
            index: next.step.index,
          };
          endWave('completed');
          waveTasks = next.tasks;
          waveSpan = startChildSpan('applier.wave', {
            [SpanAttr.role]: 'applier',
            [SpanAttr.phase]: next.step.phase,
            [SpanAttr.wave]: next.step.wave,
            [SpanAttr.resources]: next.step.tasks.length,
          });
          const wave = waveSpan;
          await runInSpan(wave, () => runTasks(next.tasks));
          break;
        }
        case 'run-sync-fail':
          await Promise.all(next.hooksToDelete.map((t) => deleteHook(deps, t)));
          progress(`SyncFail: ${next.message}`);
          await runTasks(next.tasks);
          break;
        case 'await-prune-confirmation':
        case 'wait': {
          if (next.kind === 'await-prune-confirmation' && (await hooks.pruneConfirmed?.())) {
            active = { ...active, pruneConfirmed: true };
            break;
          }
          const at = next.tasks[0];
          const where = at ? `${at.phase} wave ${at.wave}: ` : '';
          progress(`${where}${next.message}`);
          const changed = await observe(deps, writes, next.tasks, byId, set);
          if (!changed) {
            await nextChange(
              deps.cache,
              next.tasks.map((t) => t.key),
              AbortSignal.any([signals.terminate, signals.stop]),
              undefined,
              10_000,
              wakeOn,
            );
          }
          break;
        }
        case 'finished':
          await Promise.all(next.hooksToDelete.map((t) => deleteHook(deps, t)));
          await writer.flush();
          return { phase: next.phase, message: next.message, results: results() };
      }
    }
  }
}

/**
 * Updates running results from live state and hook verdicts, every task at
 * once; true when any changed. A resource just applied is read as its apply
 * returned it until the watch delivers that version.
 */
async function observe(
  deps: ExecutionDeps,
  writes: FreshWrites,
  tasks: readonly SyncTask[],
  index: ReadonlyMap<string, SyncResourceResult>,
  set: (r: SyncResourceResult) => void,
): Promise<boolean> {
  const updates = await Promise.all(
    tasks.map(async (t): Promise<SyncResourceResult | undefined> => {
      const current = index.get(resultId(t.key, t.phase));
      if (!current) return undefined;
      let next: SyncResourceResult;
      if (t.type === SyncTaskType.Hook) {
        const verdict = await deps.hookDriver.verdict(t);
        next = verdict
          ? { ...current, hookPhase: verdict.phase, message: verdict.message }
          : current;
      } else {
        const live =
          (t.type === SyncTaskType.Prune ? undefined : writes.get(t.key)) ??
          (await liveObject(deps.clusterKc, deps.cache, t.key));
        if (t.type === SyncTaskType.Prune) next = live ? current : pruneResult(t);
        else if (live) next = resourceHealthResult(current, await deps.health(live));
        else {
          next = {
            ...current,
            status: ResultCode.SyncFailed,
            hookPhase: OperationPhase.Failed,
            message: 'resource disappeared',
          };
        }
      }
      return next.hookPhase !== current.hookPhase || next.message !== current.message
        ? next
        : undefined;
    }),
  );
  let changed = false;
  for (const next of updates) {
    if (!next) continue;
    set(next);
    changed = true;
  }
  return changed;
}
