// Which copy of an Application a worker reads. A GET per command was the
// largest share of the roles' apiserver requests (the differ's one per
// comparison, three comparisons per new app); an Application watch already
// holds every app. The watch may lag behind what a sender knows, so a command
// can name a resourceVersion the copy must have reached, and a role's own
// write is newer than the watch until the watch delivers it.
import type { Application } from '@flotilla/api';
import { appKey, type AppRef } from '@flotilla/contracts';
import { appNamespaceFilter, type AppNamespaceScope } from '@flotilla/gitops';
import type { Informer, ObjectCache } from '@kubernetes/client-node';
import type { KubeAccess } from './kubeconfig.js';
import { ApplicationClient, resourceVersionAtLeast as atLeast } from './applications.js';

/** The resourceVersion of `app`, when it has one. */
export const resourceVersionOf = (app: Application | undefined): string | undefined =>
  (app?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;

/** The newest copy of each app this process knows without a request, or none. */
export class AppView {
  /** The role's own writes the watch has not delivered yet. */
  private readonly own = new Map<string, Application>();
  /** Apps whose next read must go to the apiserver (a write of ours conflicted). */
  private readonly stale = new Set<string>();

  constructor(private readonly watched: (ref: AppRef) => Application | undefined) {}

  /**
   * The copy to use: the newer of the watch's and the role's last write,
   * when it is at least `minResourceVersion`; undefined means "read it".
   */
  get(ref: AppRef, minResourceVersion?: string): Application | undefined {
    const k = appKey(ref);
    if (this.stale.has(k)) return undefined;
    const watched = this.watched(ref);
    // Not in the watch: new, or deleted; only the apiserver tells which.
    if (!watched) return undefined;
    const own = this.own.get(k);
    const best = own && atLeast(resourceVersionOf(own), resourceVersionOf(watched)) ? own : watched;
    return atLeast(resourceVersionOf(best), minResourceVersion) ? best : undefined;
  }

  /**
   * Records the app as the role's own write returned it, unless the watch
   * has delivered that version already: the answer may come after the watch
   * event, and a copy kept then waits for the app's next change, which an
   * idle app may never have (a whole Application per app, at 10,000 apps).
   */
  wrote(ref: AppRef, app: Application): void {
    const k = appKey(ref);
    this.stale.delete(k);
    if (atLeast(resourceVersionOf(this.watched(ref)), resourceVersionOf(app))) this.own.delete(k);
    else this.own.set(k, app);
  }

  /** Records a copy read from the apiserver. */
  read(ref: AppRef): void {
    this.stale.delete(appKey(ref));
  }

  /** The next comparison of the app reads it from the apiserver. */
  invalidate(ref: AppRef): void {
    this.stale.add(appKey(ref));
    this.own.delete(appKey(ref));
  }

  /** The watch delivered `app`: an own write it has reached is dropped. */
  delivered(app: Application): void {
    const ref = { namespace: app.metadata?.namespace ?? '', name: app.metadata?.name ?? '' };
    const own = this.own.get(appKey(ref));
    if (own && atLeast(resourceVersionOf(app), resourceVersionOf(own)))
      this.own.delete(appKey(ref));
  }

  /** The app is gone. */
  forget(ref: AppRef): void {
    this.own.delete(appKey(ref));
    this.stale.delete(appKey(ref));
  }
}

/** A started Application watch with its {@link AppView}. */
export interface ApplicationWatch {
  readonly informer: Informer<Application> & ObjectCache<Application>;
  readonly view: AppView;
  /**
   * The app as a worker should read it: from the view when it is at least
   * `minResourceVersion`, else from the apiserver (undefined: it does not exist).
   */
  read(ref: AppRef, minResourceVersion?: string): Promise<Application | undefined>;
  stop(): Promise<void>;
}

/** How long a read waits for the watch to deliver a version before it asks the apiserver. */
const DELIVERY_WAIT_MS = 500;

/**
 * Starts a watch of the Applications of `scope` (restarted 2 s after it
 * fails) and returns it with a view that serves reads from it. An app of a
 * namespace the scope does not serve reads as absent: it is not this role's.
 */
export async function watchApplications(
  kc: KubeAccess,
  scope: string | AppNamespaceScope,
): Promise<ApplicationWatch> {
  const client = new ApplicationClient(kc);
  const informer = client.informer(scope);
  const served =
    typeof scope === 'string' ? (ns: string) => ns === scope : appNamespaceFilter(scope);
  // The watch never holds such an app, and a read does not fetch it.
  const get = (ref: AppRef) =>
    served(ref.namespace) ? client.get(ref) : Promise.resolve(undefined);
  const view = new AppView((ref) => informer.get(ref.name, ref.namespace));
  let stopping = false;
  // Reads waiting for the watch to reach a version, woken by each delivery of their app.
  const waiting = new Map<string, Set<() => void>>();
  const delivered = (a: Application) => {
    view.delivered(a);
    const k = appKey({ namespace: a.metadata?.namespace ?? '', name: a.metadata?.name ?? '' });
    for (const wake of waiting.get(k) ?? []) wake();
  };
  informer.on('add', delivered);
  informer.on('update', delivered);
  informer.on('delete', (a) =>
    view.forget({ namespace: a.metadata?.namespace ?? '', name: a.metadata?.name ?? '' }),
  );
  informer.on('error', () => {
    if (!stopping) setTimeout(() => void informer.start().catch(() => undefined), 2_000);
  });
  await informer.start();
  /**
   * A version the watch has not delivered yet usually arrives within
   * milliseconds of the write that made it (another role's, named by its
   * command): waiting for it saves a GET. Only for an app the watch holds.
   */
  const delivery = (ref: AppRef, min: string | undefined): Promise<Application | undefined> => {
    if (min === undefined || !view.get(ref)) return Promise.resolve(undefined);
    const k = appKey(ref);
    return new Promise((resolve) => {
      const set = waiting.get(k) ?? new Set<() => void>();
      waiting.set(k, set);
      const done = (app: Application | undefined) => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) waiting.delete(k);
        resolve(app);
      };
      const wake = () => {
        const app = view.get(ref, min);
        if (app) done(app);
      };
      const timer = setTimeout(() => done(undefined), DELIVERY_WAIT_MS);
      set.add(wake);
    });
  };
  return {
    informer,
    view,
    async read(ref, minResourceVersion) {
      const known = view.get(ref, minResourceVersion) ?? (await delivery(ref, minResourceVersion));
      if (known) return known;
      const app = await get(ref);
      view.read(ref);
      return app;
    },
    async stop() {
      stopping = true;
      await informer.stop();
    },
  };
}
