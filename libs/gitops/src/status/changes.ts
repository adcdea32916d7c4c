// What an app's status change says as events: its sync status and its health
// moving from one value to another. Whoever writes the change (the differ
// after a comparison, the applier with a sync's end) announces it.
import type { ApplicationStatus } from '@flotilla/api';

/** An `app.sync-changed` or `app.health-changed` event's type and data. */
export type StatusChange =
  | {
      readonly type: 'app.sync-changed';
      readonly data: { from: string; to: string; revision?: string };
    }
  | {
      readonly type: 'app.health-changed';
      readonly data: { from: string; to: string; message?: string };
    };

type Compared = Pick<ApplicationStatus, 'sync' | 'health'>;

/** The sync and health transitions from `before` to `after`, in that order. */
export function statusChanges(before: Compared | undefined, after: Compared): StatusChange[] {
  const out: StatusChange[] = [];
  const revision = after.sync?.revision ?? after.sync?.revisions?.[0];
  if (after.sync?.status && before?.sync?.status !== after.sync.status) {
    out.push({
      type: 'app.sync-changed',
      data: {
        from: before?.sync?.status ?? 'Unknown',
        to: after.sync.status,
        ...(revision ? { revision } : {}),
      },
    });
  }
  if (after.health?.status && before?.health?.status !== after.health.status) {
    out.push({
      type: 'app.health-changed',
      data: {
        from: before?.health?.status ?? 'Unknown',
        to: after.health.status,
        ...(after.health.message ? { message: after.health.message } : {}),
      },
    });
  }
  return out;
}
