// The bookkeeping of one attempt of an operation: its identity (start time,
// retry count, operation id), its status writes under the lease, its events,
// and the one way it ends (`finish`): status, event, `operation` cleared,
// and the app compared again.
import {
  OperationPhase,
  type Application,
  type Operation,
  type OperationState,
} from '@flotilla/api';
import { WaitingError, type BusPublisher, type Lease } from '@flotilla/bus';
import { operationIdOf, type AppRef } from '@flotilla/contracts';
import {
  appendHistory,
  historyEntryFor,
  jsonEqual,
  statusChanges,
  toResourceResults,
  type SyncResourceResult,
} from '@flotilla/gitops';
import { ApplicationClient, type KubeConfig } from '@flotilla/kube';
import {
  activeSpan,
  appMetrics,
  failSpan,
  failureReason,
  metrics,
  SpanAttr,
  type Logger,
} from '@flotilla/runtime';
import { writeApplierEnd, writeApplierStatus } from './app-io.js';
import type { Prediction } from './prediction.js';
import { appEvents } from './emit.js';
import type { syncedSources } from './operation-desired.js';

/** What the bookkeeping needs. */
export interface RunDeps {
  readonly kc: KubeConfig;
  readonly bus: BusPublisher;
  readonly logger: Logger;
}

/** The phases an operation ends in. */
export type EndPhase = Exclude<OperationState['phase'], 'Running' | 'Terminating'>;

/** True when two operations (or states) are the same JSON, whatever the order of their keys. */
export const same = (a: unknown, b: unknown) => jsonEqual(a, b);

/** One attempt of the app's operation, as status, events and metrics see it. */
export class OperationRun {
  readonly startedAt: string;
  readonly retryCount: number;
  /** Names the operation's hooks and events; stable across resumes of one attempt. */
  readonly opId: string;
  /** Which sources (at which commits) the result records, once known. */
  synced: ReturnType<typeof syncedSources> = {};
  /** The revision the result records, once known. */
  revision = '';
  readonly emit: ReturnType<typeof appEvents>;

  constructor(
    private readonly deps: RunDeps,
    readonly ref: AppRef,
    readonly app: Application,
    readonly operation: Operation & { sync: NonNullable<Operation['sync']> },
    /** The state of the attempt this one resumes, when it resumes one. */
    readonly resumed: OperationState | undefined,
    private readonly lease: Lease,
    /** Carried by its command, not by `Application.operation`: nothing to clear at the end. */
    readonly carried = false,
    /**
     * When a fresh attempt started, if not now: a carried operation started
     * when the comparison decided it, so a run restarted elsewhere after a
     * crash, before it wrote any state, keeps its id.
     */
    startedAt?: string,
  ) {
    this.startedAt = resumed ? resumed.startedAt : (startedAt ?? new Date().toISOString());
    this.retryCount = resumed ? (resumed.retryCount ?? 0) : 0;
    this.opId = operationIdOf('op', ref, Date.parse(this.startedAt));
    this.emit = appEvents(deps, ref);
  }

  /** How long the attempt has run. */
  get durationMs(): number {
    return Date.now() - Date.parse(this.startedAt);
  }

  /** The operation state to write for `phase`. */
  state(
    phase: OperationState['phase'],
    message: string,
    results: readonly SyncResourceResult[],
    finished = false,
  ): OperationState {
    return {
      operation: this.operation as OperationState['operation'],
      phase,
      message,
      syncResult: {
        revision: this.revision,
        ...this.synced,
        resources: toResourceResults(results),
      },
      startedAt: this.startedAt,
      ...(finished ? { finishedAt: new Date().toISOString() } : {}),
      ...(this.retryCount > 0 ? { retryCount: this.retryCount } : {}),
    };
  }

  /**
   * Writes `s` (and history) as the applier's status while the lease is held;
   * with `predicted`, what the next comparison will find goes in the same write.
   */
  async write(
    s: OperationState,
    history = this.app.status?.history,
    predicted?: Prediction,
  ): Promise<Application> {
    await this.lease.renew();
    if (this.lease.lost.aborted) throw new WaitingError('lease lost', 1_000);
    const own = { operationState: s, ...(history ? { history } : {}) };
    const stored = predicted
      ? await writeApplierEnd(
          this.deps.kc,
          this.ref,
          own,
          predicted.compared,
          predicted.previous !== undefined,
        )
      : await writeApplierStatus(this.deps.kc, this.ref, own);
    if (s.finishedAt) countFinished(s, this.app);
    return stored;
  }

  /** Writes a Running state with `message`. */
  async progress(message: string, results: readonly SyncResourceResult[] = []): Promise<void> {
    await this.write(this.state(OperationPhase.Running, message, results));
  }

  /**
   * Announces the start of a fresh attempt (a resumed one was announced
   * already, unless `again`). The event's id makes a repeat one event.
   */
  async started(options: { again?: boolean } = {}): Promise<void> {
    if (this.resumed && !options.again) return;
    const sync = this.operation.sync;
    await this.emit(
      'operation.started',
      {
        operationId: this.opId,
        trigger: this.operation.initiatedBy?.automated ? 'automated' : 'operation',
        revision: this.revision,
        dryRun: sync.dryRun ?? false,
        prune: sync.prune ?? false,
      },
      `${this.opId}:started`,
    );
  }

  /**
   * Ends the operation: the final status (a success recorded in history), its
   * event (unless `announce` is false: nothing was announced as started;
   * with `startedFirst`, the start of a fresh attempt is announced after the
   * final state is written, as planning failed before anything ran),
   * `operation` cleared, and the app compared again at once, so a commit
   * that arrived while this ran is synced now rather than at the next resync.
   */
  async finish(
    phase: EndPhase,
    message: string,
    results: readonly SyncResourceResult[] = [],
    options: { announce?: boolean; startedFirst?: boolean; predicted?: Prediction } = {},
  ): Promise<void> {
    const final = this.state(phase, message, results, true);
    const entry = phase === OperationPhase.Succeeded ? historyEntryFor(final) : undefined;
    const history = this.app.status?.history;
    const predicted = options.predicted;
    const stored = await this.write(
      final,
      entry
        ? appendHistory(history, entry, this.app.spec?.revisionHistoryLimit ?? undefined)
        : history,
      predicted,
    );
    // The sync and health changes that write made are announced here: the
    // comparison that follows finds them made and announces nothing.
    if (predicted) {
      await Promise.all(
        statusChanges(predicted.previous, predicted.compared).map((c) =>
          this.emit(c.type, c.data, `${this.opId}:${c.type}`),
        ),
      );
    }
    if (options.startedFirst) await this.started();
    // The end is announced while `operation` is cleared: both follow the final state.
    await Promise.all([
      options.announce !== false && announceEnd(this.deps, this.ref, final),
      endOperation(this.deps, this.ref, this.carried ? undefined : this.operation, stored),
    ]);
  }
}

/**
 * Publishes the end of the operation whose final state is `s`. Its message id
 * is the operation's, so announcing it again (a run that died between its
 * final write and this, found ended by the next delivery) is one event.
 */
export async function announceEnd(
  deps: RunDeps,
  ref: AppRef,
  s: OperationState & { finishedAt?: string },
): Promise<void> {
  const opId = operationIdOf('op', ref, Date.parse(s.startedAt));
  const event = s.phase === OperationPhase.Succeeded ? 'operation.succeeded' : 'operation.failed';
  await appEvents(deps, ref)(
    event,
    {
      operationId: opId,
      revision: s.syncResult?.revision ?? '',
      message: s.message ?? '',
      durationMs: Math.max(0, Date.parse(s.finishedAt ?? '') - Date.parse(s.startedAt)) || 0,
    },
    `${opId}:ended`,
  );
}

/** Metrics of a finished operation: its phase, trigger and duration, overall and for its app. */
export function countFinished(s: OperationState, app: Application): void {
  const trigger = s.operation?.initiatedBy?.automated ? 'automated' : 'operation';
  metrics.syncOperations.inc({ phase: s.phase, trigger });
  // The operation's span (active while it runs, with traces on) ends with its phase.
  const span = activeSpan();
  if (span) {
    const revision = s.syncResult?.revision ?? s.syncResult?.revisions?.join(',');
    span.setAttributes({
      [SpanAttr.result]: s.phase,
      ...(revision ? { [SpanAttr.revision]: revision } : {}),
    });
    if (s.phase !== OperationPhase.Succeeded) failSpan(span, s.message ?? s.phase);
  }
  const ref = { namespace: app.metadata?.namespace ?? '', name: app.metadata?.name ?? '' };
  appMetrics.syncs.inc({ ...ref, project: app.spec?.project || 'default', phase: s.phase });
  if (s.phase !== OperationPhase.Succeeded)
    appMetrics.syncFailures.inc({ reason: failureReason(s.message) });
  if (s.finishedAt) {
    const seconds = Math.max(0, Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000;
    metrics.syncSeconds.observe({ phase: s.phase }, seconds);
    appMetrics.syncSeconds.inc(ref, seconds);
  }
}

/**
 * After an operation's final status: clears `operation` when it is still the
 * one that ran (undefined: already withdrawn), then asks for a comparison. The differ holds automated sync
 * back while an operation runs; nothing else would look again when it ends.
 * `stored` is the Application the final status write returned, when there is
 * one: the clear is first tried at its resourceVersion, without another read.
 */
export async function endOperation(
  deps: RunDeps,
  ref: AppRef,
  operation: Operation | undefined,
  stored?: Application,
): Promise<void> {
  const cleared = operation ? await clearIfSame(deps, ref, operation) : stored;
  // The differ must see the operation gone (its watch may not have delivered the clear yet).
  const rv = (cleared?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  await deps.bus
    .command({
      version: 1,
      kind: 'diff',
      app: ref,
      reason: 'operation finished',
      ...(rv ? { appResourceVersion: rv } : {}),
    })
    .catch((err: Error) =>
      deps.logger.warn({ app: ref, err: err.message }, 'could not ask for a comparison'),
    );
}

async function clearIfSame(
  deps: RunDeps,
  ref: AppRef,
  operation: Operation,
): Promise<Application | undefined> {
  // Guarded by the operation itself, not resourceVersion: the differ's status writes
  // in between do not make it fail, and an operation written meanwhile stays.
  return new ApplicationClient(deps.kc).clearOperationIf(ref, operation);
}
