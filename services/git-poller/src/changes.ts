import type { PolledApp } from '@flotilla/git';

/**
 * Remembers what the poller last saw of each app (sources, refresh and
 * paths annotations), so an Application update that changes none of it, such
 * as each of the several status writes of a sync, starts no poll round.
 */
export class PolledViews {
  private readonly seen = new Map<string, string>();

  /** Records `app`'s view; true when it is new or differs from the last one recorded. */
  changed(app: PolledApp): boolean {
    const key = `${app.ref.namespace}/${app.ref.name}`;
    const view = JSON.stringify(app);
    if (this.seen.get(key) === view) return false;
    this.seen.set(key, view);
    return true;
  }

  /** Forgets an app (deleted), so one created again under its name counts as new. */
  forget(ref: { namespace: string; name: string }): void {
    this.seen.delete(`${ref.namespace}/${ref.name}`);
  }
}
