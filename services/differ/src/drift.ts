import { ownerOf, type DiffObject } from '@flotilla/gitops';
import type { CacheEvent, ClusterCache } from '@flotilla/kube';
import type { AppRef, ResourceKey } from '@flotilla/contracts';

/** Whether an object at a resourceVersion is what a sync's apply left (marked by the applier). */
export type OwnWrite = (key: ResourceKey, resourceVersion: string) => Promise<boolean>;

/**
 * Turns live changes of managed objects into per-app triggers: every watch
 * event on an object carrying an app's tracking id asks for that app to be
 * compared, batched per app over `debounceMs`. Drift is noticed from watch
 * events, never from a timer. A batch made only of a sync's own applies
 * (`ownWrite`) asks for nothing: that sync's end asks for the comparison, and
 * one made before it would read the app without the end and write status
 * for nothing.
 */
export function watchDrift(
  cache: ClusterCache,
  /** The namespace whose apps are served, or a test of it (see `appNamespaceFilter`). */
  served: string | ((namespace: string) => boolean),
  debounceMs: number,
  trigger: (app: AppRef, resources: ResourceKey[], reason: string) => void,
  ownWrite?: OwnWrite,
): () => void {
  type Seen = { key: ResourceKey; resourceVersion: string | undefined };
  const pending = new Map<
    string,
    { app: AppRef; keys: ResourceKey[]; seen: Seen[]; timer: NodeJS.Timeout }
  >();
  const own = async (seen: readonly Seen[]) => {
    if (!ownWrite) return false;
    for (const s of seen) {
      if (s.resourceVersion === undefined || !(await ownWrite(s.key, s.resourceVersion))) {
        return false;
      }
    }
    return true;
  };
  const onEvent = (e: CacheEvent) => {
    const owner =
      ownerOf(e.object as DiffObject) ??
      (e.previous ? ownerOf(e.previous as DiffObject) : undefined);
    if (!owner || !owner.selfReferenced || !servedNamespace(served, owner.app.namespace)) return;
    const id = `${owner.app.namespace}/${owner.app.name}`;
    // A deletion is never a sync's own apply.
    const seen: Seen = {
      key: e.key,
      resourceVersion:
        e.type === 'DELETED' ? undefined : (e.object.metadata?.resourceVersion ?? undefined),
    };
    const entry = pending.get(id);
    if (entry) {
      entry.keys.push(e.key);
      entry.seen.push(seen);
      return;
    }
    const app = owner.app;
    const fresh = {
      app,
      keys: [e.key],
      seen: [seen],
      timer: setTimeout(() => {
        pending.delete(id);
        void own(fresh.seen).then((skip) => {
          if (skip) return;
          trigger(app, fresh.keys, `live ${e.type.toLowerCase()} of ${e.key.kind}/${e.key.name}`);
        });
      }, debounceMs),
    };
    pending.set(id, fresh);
  };
  const unsubscribe = cache.subscribe(onEvent);
  return () => {
    unsubscribe();
    for (const p of pending.values()) clearTimeout(p.timer);
  };
}

function servedNamespace(served: string | ((namespace: string) => boolean), ns: string): boolean {
  return typeof served === 'string' ? ns === served : served(ns);
}
