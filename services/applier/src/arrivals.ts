// Which updates of an Application bring an operation the applier has not
// announced yet. Writing `operation` moves the app's generation; the status
// writes of a run (the applier's own and the differ's) do not, so an
// operation is announced once when it arrives, not again on each of them.
import type { Application } from '@flotilla/api';
import { appKey, type AppRef } from '@flotilla/contracts';

/** The operations one watcher has announced, by app. */
export class OperationArrivals {
  private readonly announced = new Map<string, string>();

  /**
   * True when `app` carries an operation not announced yet (always on the
   * watcher's first sight of the app), and records it as announced.
   */
  arrived(ref: AppRef, app: Application, first: boolean): boolean {
    if (!app.operation) {
      this.announced.delete(appKey(ref));
      return false;
    }
    const generation = (app.metadata as { generation?: number } | undefined)?.generation;
    const arrival = `${generation ?? ''}:${JSON.stringify(app.operation)}`;
    if (!first && this.announced.get(appKey(ref)) === arrival) return false;
    this.announced.set(appKey(ref), arrival);
    return true;
  }

  /** Forgets the app (deleted, or its announcement failed and must be made again). */
  forget(ref: AppRef): void {
    this.announced.delete(appKey(ref));
  }
}
