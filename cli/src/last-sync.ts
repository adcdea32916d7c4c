import type { Application } from '@flotilla/api';
import { failureReason } from '@flotilla/runtime';

/** The last sync of an app as `app get` shows it. */
export interface LastSync {
  /** Running, Terminating, Succeeded, Failed or Error. */
  readonly result: string;
  /** The revision synced, one per source. */
  readonly revisions: readonly string[];
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Seconds from start to finish, when both are known. */
  readonly durationSeconds?: number;
  readonly message?: string;
  /** For Failed and Error, the bounded reason `flotilla_sync_failures_total` counts. */
  readonly reason?: string;
}

/**
 * The last sync: the operation state when the last operation was a sync,
 * otherwise the newest history entry (a sync that succeeded); undefined
 * when the app never synced.
 */
export function lastSync(app: Application): LastSync | undefined {
  const s = app.status;
  const op = s?.operationState;
  if (op?.operation.sync) {
    const failed = op.phase === 'Failed' || op.phase === 'Error';
    return {
      result: op.phase,
      revisions: revisionsOf(op.syncResult),
      startedAt: op.startedAt,
      finishedAt: op.finishedAt,
      durationSeconds: secondsBetween(op.startedAt, op.finishedAt),
      message: op.message,
      reason: failed ? failureReason(op.message) : undefined,
    };
  }
  const h = s?.history?.at(-1);
  if (!h) return undefined;
  return {
    result: 'Succeeded',
    revisions: revisionsOf(h),
    startedAt: h.deployStartedAt,
    finishedAt: h.deployedAt,
    durationSeconds: secondsBetween(h.deployStartedAt, h.deployedAt),
  };
}

function revisionsOf(r?: { revision?: string; revisions?: string[] }): string[] {
  return r?.revisions?.length ? r.revisions : r?.revision ? [r.revision] : [];
}

function secondsBetween(from?: string, to?: string): number | undefined {
  if (!from || !to) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined;
}

/** A duration in seconds as `850ms`, `42s`, `3m05s` or `2h01m`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}
