import {
  ApplicationSetConditionType,
  ApplicationSetStrategyType,
  type Application,
  type ApplicationSet,
  type ApplicationSetStatus,
} from '@flotilla/api';
import { matchesSelector } from './selector.js';

/** One entry of `status.applicationStatus`. */
export type AppRolloutStatus = NonNullable<ApplicationSetStatus['applicationStatus']>[number];

/** Progressive sync states, as Argo CD names them. */
export const RolloutState = {
  Waiting: 'Waiting',
  Pending: 'Pending',
  Progressing: 'Progressing',
  Healthy: 'Healthy',
} as const;

/** Who a RollingSync operation says started it. */
export const ROLLING_SYNC_INITIATOR = 'applicationset-controller';

type Step = NonNullable<
  NonNullable<NonNullable<ApplicationSet['spec']['strategy']>['rollingSync']>['steps']
>[number];

/** True when the set rolls changes out step by step. */
export function isRollingSync(set: ApplicationSet): boolean {
  return set.spec.strategy?.type === ApplicationSetStrategyType.RollingSync;
}

/** The Application with automated sync off: a RollingSync set triggers its syncs itself. */
export function withoutAutomatedSync(app: Application): Application {
  const policy = app.spec.syncPolicy;
  if (!policy?.automated) return app;
  const { automated: _automated, ...rest } = policy;
  const spec = { ...app.spec, syncPolicy: rest };
  if (Object.keys(rest).length === 0) delete (spec as Record<string, unknown>)['syncPolicy'];
  return { ...app, spec };
}

/**
 * How many Applications of a step of `size` may be Pending or Progressing at
 * once: all of them unless `maxUpdate` says otherwise; a percentage rounds
 * down but never below one when above 0%, and 0 pauses the step (Argo CD's rule).
 */
export function maxUpdateOf(step: Step, size: number): number {
  const m = step.maxUpdate;
  if (m === undefined || m === null) return size;
  if (typeof m === 'number') return Math.max(0, Math.floor(m));
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(String(m).trim());
  if (!pct) {
    const n = Number(m);
    if (Number.isFinite(n)) return Math.max(0, Math.floor(n));
    throw new Error(`maxUpdate ${JSON.stringify(m)}: use a number or a percentage such as 25%`);
  }
  const p = Number(pct[1]);
  if (p <= 0) return 0;
  return Math.max(1, Math.floor((size * p) / 100));
}

/** The 1-based step whose expressions match the labels, or 0 when none does. */
export function stepOf(steps: readonly Step[], labels: Readonly<Record<string, string>>): number {
  const i = steps.findIndex((s) =>
    matchesSelector({ matchExpressions: s.matchExpressions ?? [] }, labels),
  );
  return i + 1;
}

/** The Application as far as the rollout cares. */
export interface RolloutApp {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly sync?: string;
  readonly health?: string;
  /** An operation is requested or running. */
  readonly busy: boolean;
  /** When the last operation started. */
  readonly operationStartedAt?: string;
  /** When the differ last compared the app with its sources. */
  readonly reconciledAt?: string;
  /** The set changed the Application's spec in this reconcile. */
  readonly changed: boolean;
}

/** What {@link planRollout} decides. */
export interface RolloutPlan {
  readonly applicationStatus: AppRolloutStatus[];
  /** Applications to request a sync of now (they went Pending). */
  readonly sync: string[];
  /** The RolloutProgressing condition: True while any app is not Healthy. */
  readonly progressing: { status: 'True' | 'False'; reason: string; message: string };
}

/** Reads what the rollout needs from an Application. */
export function rolloutApp(app: Application, changed: boolean): RolloutApp {
  const s = app.status;
  const phase = s?.operationState?.phase;
  return {
    name: app.metadata.name ?? '',
    labels: app.metadata.labels ?? {},
    ...(s?.sync?.status ? { sync: s.sync.status } : {}),
    ...(s?.health?.status ? { health: s.health.status } : {}),
    busy: app.operation !== undefined || phase === 'Running' || phase === 'Terminating',
    ...(s?.operationState?.startedAt ? { operationStartedAt: s.operationState.startedAt } : {}),
    ...(s?.reconciledAt ? { reconciledAt: s.reconciledAt } : {}),
    changed,
  };
}

const at = (t: string | undefined) => (t ? Date.parse(t) : NaN);
/** `a` is at or after `b` (RFC 3339 times, second resolution). */
const notBefore = (a: string | undefined, b: string | undefined) => at(a) >= at(b);

/**
 * One turn of a RollingSync, Argo CD's progressive sync: each Application
 * moves Waiting → Pending (its sync is requested) → Progressing (the sync
 * started) → Healthy (Synced and Healthy, no operation); a Healthy one that
 * has changes goes back to Waiting. Step N+1 starts only when every
 * Application of steps 1..N is Healthy, and at most `maxUpdate` of a step are
 * Pending or Progressing at once. Applications that match no step are left
 * Waiting, never synced by the set. Pure: `now` is the time to record.
 */
export function planRollout(
  set: ApplicationSet,
  apps: readonly RolloutApp[],
  now: string,
): RolloutPlan {
  const steps = set.spec.strategy?.rollingSync?.steps ?? [];
  const previous = new Map(
    (set.status?.applicationStatus ?? []).map((e) => [e.application, e] as const),
  );
  const entries = new Map<string, AppRolloutStatus>();
  const put = (name: string, step: number, state: string, message: string, fresh = false) => {
    const prev = previous.get(name);
    const same =
      !fresh && prev?.status === state && prev.step === (step ? String(step) : undefined);
    entries.set(name, {
      application: name,
      status: state,
      message: same && prev.message ? prev.message : message,
      lastTransitionTime: same && prev.lastTransitionTime ? prev.lastTransitionTime : now,
      ...(step ? { step: String(step) } : {}),
    });
  };
  const sorted = [...apps].sort((a, b) => a.name.localeCompare(b.name));
  const stepByName = new Map<string, number>();
  for (const app of sorted) {
    const step = stepOf(steps, app.labels);
    stepByName.set(app.name, step);
    const prev = previous.get(app.name);
    const done = app.sync === 'Synced' && app.health === 'Healthy' && !app.busy;
    let state = prev?.status ?? '';
    let message = prev?.message ?? '';
    if (!state || !Object.values(RolloutState).includes(state as never)) {
      state = RolloutState.Waiting;
      message = 'No Application status found, defaulting status to Waiting.';
    }
    if (app.changed || (state === RolloutState.Healthy && app.sync !== 'Synced' && !app.busy)) {
      state = RolloutState.Waiting;
      message = 'Application has pending changes, setting status to Waiting.';
    }
    const since = entriesTime(prev, state, now);
    if (state === RolloutState.Pending && notBefore(app.operationStartedAt, since)) {
      state = RolloutState.Progressing;
      message =
        'Application resource became Progressing, updating status from Pending to Progressing.';
    }
    if (state === RolloutState.Progressing && done) {
      state = RolloutState.Healthy;
      message = 'Application resource became Healthy, updating status from Progressing to Healthy.';
    }
    // Already in sync: only once the differ compared after the last change.
    if (
      state === RolloutState.Waiting &&
      done &&
      !app.changed &&
      notBefore(app.reconciledAt, since)
    ) {
      state = RolloutState.Healthy;
      message = 'Application resource is already Healthy, updating status from Waiting to Healthy.';
    }
    if (!step && state === RolloutState.Waiting)
      message = 'Application matches no step of the RollingSync: the set does not sync it.';
    put(app.name, step, state, message, app.changed);
  }

  const sync: string[] = [];
  for (let i = 1; i <= steps.length; i++) {
    const members = sorted.filter((a) => stepByName.get(a.name) === i);
    const busy = new Set(members.filter((a) => a.busy).map((a) => a.name));
    const states = members.map((a) => entries.get(a.name)!);
    if (states.every((e) => e.status === RolloutState.Healthy)) continue;
    let active = states.filter(
      (e) => e.status === RolloutState.Pending || e.status === RolloutState.Progressing,
    ).length;
    const max = maxUpdateOf(steps[i - 1]!, members.length);
    for (const e of states) {
      if (active >= max) break;
      // A sync someone else asked for runs first; the app is looked at again after it.
      if (e.status !== RolloutState.Waiting || busy.has(e.application)) continue;
      put(
        e.application,
        i,
        RolloutState.Pending,
        'Application moved to Pending status, watching for the Application resource to start Progressing.',
      );
      sync.push(e.application);
      active++;
    }
    // A later step starts only when this one is Healthy throughout.
    break;
  }

  const applicationStatus = sorted.map((a) => entries.get(a.name)!);
  const open = applicationStatus
    .filter((e) => e.step !== undefined && e.status !== RolloutState.Healthy)
    .map((e) => Number(e.step));
  const waitingStep = open.length > 0 ? Math.min(...open) : undefined;
  const progressing = waitingStep
    ? {
        status: 'True' as const,
        reason: 'ApplicationSetModified',
        message: `ApplicationSet is rolling out: step ${waitingStep} of ${steps.length}`,
      }
    : {
        status: 'False' as const,
        reason: 'ApplicationSetRolloutComplete',
        message: 'ApplicationSet Rollout has completed',
      };
  return { applicationStatus, sync, progressing };
}

/** When the app entered its current state (now, for a state entered in this turn). */
function entriesTime(prev: AppRolloutStatus | undefined, state: string, now: string): string {
  return prev?.status === state && prev.lastTransitionTime ? prev.lastTransitionTime : now;
}

/** The condition type a RollingSync set reports. */
export const ROLLOUT_CONDITION = ApplicationSetConditionType.RolloutProgressing;
