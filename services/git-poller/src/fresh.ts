// Looks a user asked for: a refresh annotation, or a manual sync whose
// branch must be what it is now. They ask the remotes again (timer rounds
// share one listing per interval), batched for a moment so the apps of one
// repository asking together share one remote call. New and changed apps
// are batched the same way (their rounds are not fresh).
import type { Application } from '@flotilla/api';
import type { PolledApp } from '@flotilla/git';

/** How long requests gather before one fresh round serves them. */
export const FRESH_BATCH_MS = 50;

/** A fresh-round batcher: `add` an app, and a round polls every app added meanwhile. */
export interface FreshBatcher {
  add(app: PolledApp): void;
  stop(): void;
}

/** Gathers apps for `delayMs`, then hands them to `poll` in one round. */
export function freshBatcher(
  poll: (apps: PolledApp[]) => Promise<void>,
  onError: (err: Error) => void,
  delayMs = FRESH_BATCH_MS,
): FreshBatcher {
  let pending = new Map<string, PolledApp>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const apps = [...pending.values()];
    pending = new Map();
    poll(apps).catch(onError);
  };
  return {
    add(app) {
      pending.set(`${app.ref.namespace}/${app.ref.name}`, app);
      timer ??= setTimeout(flush, delayMs);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending.clear();
    },
  };
}

/**
 * Notices manual sync operations as they appear (an automated one names the
 * compared commit and needs no look). Returns true once per operation: the
 * informer repeats the app on every status write while it runs.
 */
export function manualSyncWatch(): (app: Application) => boolean {
  const seen = new Map<string, string>();
  return (app) => {
    const key = `${app.metadata?.namespace}/${app.metadata?.name}`;
    const op = app.operation;
    if (!op?.sync || op.initiatedBy?.automated) {
      seen.delete(key);
      return false;
    }
    const id = JSON.stringify(op);
    if (seen.get(key) === id) return false;
    seen.set(key, id);
    return true;
  };
}
