// Sync windows with Argo CD's semantics: which windows concern an app, which
// are open at a moment, and whether a sync (automated or manual) may start.
// Schedules are five-field cron expressions read by croner in the window's
// time zone; a window is open from each scheduled time for its duration.
import { Cron } from 'croner';
import type { SyncWindow } from '@flotilla/api';
import { parseGoDuration } from '../sync/duration.js';
import type { AutoSyncDecision } from '../sync/index.js';
import { projectGlobMatch } from './glob.js';

/** What of an app the windows match against. */
export interface WindowApp {
  readonly name: string;
  readonly destination: {
    readonly server?: string | undefined;
    readonly name?: string | undefined;
    readonly namespace?: string | undefined;
  };
}

const anyMatch = (patterns: readonly string[] | undefined, values: (string | undefined)[]) =>
  (patterns ?? []).some((p) => values.some((v) => !!v && projectGlobMatch(p, v)));

/**
 * True when the window concerns the app: any of its lists matches (the app's
 * name, its destination namespace, its cluster's server or name), or every
 * list it sets with `andOperator`.
 */
export function windowMatches(w: SyncWindow, app: WindowApp): boolean {
  const checks: boolean[] = [];
  if (w.applications?.length) checks.push(anyMatch(w.applications, [app.name]));
  if (w.namespaces?.length) checks.push(anyMatch(w.namespaces, [app.destination.namespace]));
  if (w.clusters?.length)
    checks.push(anyMatch(w.clusters, [app.destination.server, app.destination.name]));
  if (checks.length === 0) return false;
  return w.andOperator ? checks.every(Boolean) : checks.some(Boolean);
}

/** The window's schedule; undefined when it cannot be read (the window then never opens). */
function cronOf(w: SyncWindow): Cron | undefined {
  try {
    return new Cron(w.schedule.trim(), { paused: true, timezone: w.timeZone || 'UTC' });
  } catch {
    return undefined;
  }
}

/** When a window is open: since its last opening, until it closes; undefined when closed. */
export function openPeriod(w: SyncWindow, now: Date): { since: Date; until: Date } | undefined {
  const durationMs = parseGoDuration(w.duration) ?? 0;
  // The first opening after (now - duration) is open now if it came before now.
  const start = cronOf(w)?.nextRun(new Date(now.getTime() - durationMs));
  if (!start || start.getTime() >= now.getTime()) return undefined;
  return { since: start, until: new Date(start.getTime() + durationMs) };
}

/** The next time the window opens after `now`. */
export function nextOpening(w: SyncWindow, now: Date): Date | undefined {
  return cronOf(w)?.nextRun(now) ?? undefined;
}

/** Whether a sync may start now, and if not why and when that may change. */
export interface WindowVerdict {
  readonly allowed: boolean;
  /** Why the sync waits (or is refused); empty when allowed. */
  readonly message: string;
  /** When the verdict may change: the earliest opening or closing ahead. */
  readonly nextChange?: Date;
}

function describe(w: SyncWindow): string {
  return `${w.kind} window '${w.schedule}' (${w.duration}${w.timeZone ? `, ${w.timeZone}` : ''})`;
}

/**
 * Argo CD's `CanSync` over the windows that concern the app: an open deny
 * window refuses (a manual sync passes only when every open deny window sets
 * manualSync); otherwise an open allow window allows; otherwise, when the
 * app has allow windows, none of them open, a manual sync passes only when
 * one of them sets manualSync; with no windows at all, everything syncs.
 */
export function syncWindowVerdict(
  windows: readonly SyncWindow[] | undefined,
  app: WindowApp,
  options: { manual: boolean; now: Date },
): WindowVerdict {
  const { manual, now } = options;
  const mine = (windows ?? []).filter((w) => windowMatches(w, app));
  if (mine.length === 0) return { allowed: true, message: '' };
  const open = mine.map((w) => ({ w, period: openPeriod(w, now) }));
  const changes = open
    .map(({ w, period }) => (period ? period.until : nextOpening(w, now)))
    .filter((d): d is Date => d !== undefined);
  const nextChange = changes.length
    ? new Date(Math.min(...changes.map((d) => d.getTime())))
    : undefined;
  const at = nextChange ? { nextChange } : {};
  const denies = open.filter((x) => x.w.kind === 'deny' && x.period);
  if (denies.length > 0) {
    if (manual && denies.every((x) => x.w.manualSync)) return { allowed: true, message: '' };
    const until = new Date(Math.max(...denies.map((x) => x.period!.until.getTime())));
    return {
      allowed: false,
      message: `blocked by ${describe(denies[0]!.w)}, open until ${until.toISOString()}`,
      ...at,
    };
  }
  if (open.some((x) => x.w.kind === 'allow' && x.period)) return { allowed: true, message: '' };
  const allows = mine.filter((w) => w.kind === 'allow');
  if (allows.length === 0) return { allowed: true, message: '' };
  if (manual && allows.some((w) => w.manualSync)) return { allowed: true, message: '' };
  const openings = allows.map((w) => nextOpening(w, now)).filter((d): d is Date => d !== undefined);
  const next = openings.length
    ? new Date(Math.min(...openings.map((d) => d.getTime())))
    : undefined;
  return {
    allowed: false,
    message: `no allow window is open${next ? `; the next opens at ${next.toISOString()}` : ''}`,
    ...at,
  };
}

/** The condition an app gets while a sync window holds its automated sync back. */
export const SYNC_WINDOW_CONDITION = 'SyncWindowWarning';

/**
 * An automated-sync decision under the app's sync windows: a sync a window
 * blocks becomes a wait, with a condition saying why and until when, and a
 * look again when the window changes (self-heal counts as automated).
 */
export function windowedAutoSync(
  decision: AutoSyncDecision,
  verdict: WindowVerdict,
  now: Date,
): AutoSyncDecision {
  if (!decision.sync || verdict.allowed) return decision;
  const message = `automated sync waits: ${verdict.message}`;
  return {
    sync: false,
    reason: message,
    condition: { type: SYNC_WINDOW_CONDITION, message },
    ...(verdict.nextChange
      ? { retryAfterMs: Math.max(1_000, verdict.nextChange.getTime() - now.getTime() + 1_000) }
      : {}),
  };
}
