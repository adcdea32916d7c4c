import { ownerOf, type DiffObject } from '@flotilla/gitops';
import type { CacheEvent, ClusterCache } from '@flotilla/kube';
import type { AppRef, ResourceKey } from '@flotilla/contracts';

/**
 * Turns live changes of managed objects into per-app triggers: every watch
 * event on an object carrying an app's tracking id asks for that app to be
 * compared, batched per app over `debounceMs`. Drift is noticed from watch
 * events, never from a timer.
 */
export function watchDrift(
  cache: ClusterCache,
  /** The namespace whose apps are served, or a test of it (see `appNamespaceFilter`). */
  served: string | ((namespace: string) => boolean),
  debounceMs: number,
  trigger: (app: AppRef, resources: ResourceKey[], reason: string) => void,
): () => void {
  const pending = new Map<string, { app: AppRef; keys: ResourceKey[]; timer: NodeJS.Timeout }>();
  const onEvent = (e: CacheEvent) => {
    const owner =
      ownerOf(e.object as DiffObject) ??
      (e.previous ? ownerOf(e.previous as DiffObject) : undefined);
    if (!owner || !owner.selfReferenced || !servedNamespace(served, owner.app.namespace)) return;
    const id = `${owner.app.namespace}/${owner.app.name}`;
    const entry = pending.get(id);
    if (entry) {
      entry.keys.push(e.key);
      return;
    }
    const app = owner.app;
    const fresh = {
      app,
      keys: [e.key],
      timer: setTimeout(() => {
        pending.delete(id);
        trigger(app, fresh.keys, `live ${e.type.toLowerCase()} of ${e.key.kind}/${e.key.name}`);
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
