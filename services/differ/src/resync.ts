import { createHash } from 'node:crypto';
import type { AppRef } from '@flotilla/contracts';

/** What {@link startResync} needs. */
export interface ResyncDeps {
  /** Every app is compared again once per interval. */
  readonly intervalMs: number;
  /** How often due apps are looked for; 1 s unless set. */
  readonly tickMs?: number;
  /**
   * The apps known now (the differ's Application informer), with when each
   * was last looked at (ms since the epoch) when known ({@link lastLookedAt}).
   * A turn within an interval of that is skipped: the app was compared
   * recently, and under load (a commit to every app) these turns only
   * lengthened the queue.
   */
  readonly apps: () => readonly (AppRef & { readonly lookedAt?: number })[];
  /** Asks for one comparison; `turn` numbers the app's turns, the same in every replica. */
  readonly due: (app: AppRef, turn: number) => void;
  /** The clock; `Date.now` unless set (tests). */
  readonly now?: () => number;
}

/**
 * When an app was last looked at, as the resync holds it back: its creation
 * (which set off a comparison), this replica's last comparison of it, or the
 * `status.reconciledAt` that any replica's status write (or a sync's end)
 * recorded. The status counts because with several replicas a replica's own
 * comparisons are only its share: each replica sent the turns of the apps the
 * others had just compared, and at 10,000 new apps four replicas made 3.5
 * comparisons per app instead of 2. A comparison that finds the status
 * unchanged writes nothing, so an idle app's turn still comes once per interval.
 */
export function lastLookedAt(
  app: { readonly metadata?: object | undefined; readonly status?: object | undefined },
  comparedAt: number | undefined,
): number {
  const parsed = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : NaN);
  const times = [
    parsed((app.metadata as { creationTimestamp?: unknown } | undefined)?.creationTimestamp),
    parsed((app.status as { reconciledAt?: unknown } | undefined)?.reconciledAt),
    comparedAt ?? NaN,
  ].filter((t) => !Number.isNaN(t));
  return times.length > 0 ? Math.max(...times) : NaN;
}

const offsets = new Map<string, number>();

/** Where in the interval an app's turn falls: a hash of its name, stable across replicas. */
export function resyncOffset(app: AppRef, intervalMs: number): number {
  const key = `${app.namespace}/${app.name}|${intervalMs}`;
  let at = offsets.get(key);
  if (at === undefined) {
    at = createHash('sha1').update(key).digest().readUInt32BE(0) % intervalMs;
    if (offsets.size > 100_000) offsets.clear();
    offsets.set(key, at);
  }
  return at;
}

/** The number of an app's turn at `t`: it moves on once per interval, at the app's offset. */
export function resyncTurn(app: AppRef, intervalMs: number, t: number): number {
  return Math.floor((t - resyncOffset(app, intervalMs)) / intervalMs);
}

/**
 * The safety-net resync, spread over the interval: each app's turn comes at
 * its own offset, so N apps cost a steady N per interval instead of a burst
 * of N comparisons (and N commands) at once every interval. Returns a stop
 * function.
 */
export function startResync(deps: ResyncDeps): () => void {
  const now = deps.now ?? Date.now;
  let last = now();
  const timer = setInterval(() => {
    const t = now();
    for (const app of deps.apps()) {
      // NaN (not known) compares false: such an app is never held back.
      if (t - (app.lookedAt ?? NaN) < deps.intervalMs) continue;
      const turn = resyncTurn(app, deps.intervalMs, t);
      if (turn > resyncTurn(app, deps.intervalMs, last))
        deps.due({ namespace: app.namespace, name: app.name }, turn);
    }
    last = t;
  }, deps.tickMs ?? 1_000);
  timer.unref();
  return () => clearInterval(timer);
}
