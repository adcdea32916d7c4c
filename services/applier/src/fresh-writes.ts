// The objects an execution applied, as each apply returned them, kept only
// until the watch cache has caught up with them. A wave's health check reads
// these first: right after a batch of applies the watch has often not
// delivered the new objects yet, and reading each missing one from the
// apiserver cost a request per resource per wave.
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';
import { resourceVersionAtLeast, type ClusterCache, type KubernetesObject } from '@flotilla/kube';

const rv = (o: KubernetesObject | undefined) => o?.metadata?.resourceVersion;

/** Apply responses newer than the cache's copy, by resource; {@link close} when done. */
export class FreshWrites {
  private readonly byKey = new Map<string, KubernetesObject>();
  private readonly unsubscribe: () => void;

  constructor(private readonly cache: Pick<ClusterCache, 'subscribe' | 'get'>) {
    // Any event of the object at (or after) the applied version, a deletion too, makes
    // the cache the one to read again.
    this.unsubscribe = cache.subscribe((e) => {
      const k = resourceKeyString(e.key);
      const written = this.byKey.get(k);
      if (written && resourceVersionAtLeast(rv(e.object), rv(written))) this.byKey.delete(k);
    });
  }

  /** Records what an apply returned, unless the cache already holds that version or a newer one. */
  record(key: ResourceKey, live: KubernetesObject): void {
    // A resourceVersion that is not an etcd revision cannot be ordered: the cache decides.
    if (!resourceVersionAtLeast(rv(live), rv(live))) return;
    if (resourceVersionAtLeast(rv(this.cache.get(key)), rv(live))) return;
    this.byKey.set(resourceKeyString(key), live);
  }

  /** The applied object when the cache has not caught up with it yet. */
  get(key: ResourceKey): KubernetesObject | undefined {
    return this.byKey.get(resourceKeyString(key));
  }

  close(): void {
    this.unsubscribe();
    this.byKey.clear();
  }
}
