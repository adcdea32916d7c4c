// Apply responses a wave reads until the watch cache has caught up with them.
import { describe, expect, it } from 'vitest';
import type { ResourceKey } from '@flotilla/contracts';
import type { CacheEvent, KubernetesObject } from '@flotilla/kube';
import { FreshWrites } from '../src/fresh-writes.js';

const key: ResourceKey = { group: '', kind: 'ConfigMap', namespace: 'ns', name: 'a' };
const at = (resourceVersion: string): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'a', namespace: 'ns', resourceVersion },
});

/** A cache holding at most one object, whose events the test sends. */
function cacheOf(initial?: KubernetesObject) {
  let held = initial;
  const listeners = new Set<(e: CacheEvent) => void>();
  return {
    get: () => held,
    subscribe(listener: (e: CacheEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    send(type: CacheEvent['type'], object: KubernetesObject) {
      held = type === 'DELETED' ? undefined : object;
      for (const l of listeners) l({ type, key, object });
    },
    listeners,
  };
}

describe('FreshWrites', () => {
  it('answers with the apply response until the watch delivers that version', () => {
    const cache = cacheOf();
    const writes = new FreshWrites(cache);
    writes.record(key, at('12'));
    expect(writes.get(key)?.metadata?.resourceVersion).toBe('12');
    cache.send('ADDED', at('11'));
    expect(writes.get(key)?.metadata?.resourceVersion).toBe('12');
    cache.send('MODIFIED', at('12'));
    expect(writes.get(key)).toBeUndefined();
  });

  it('lets a deletion seen after the apply count', () => {
    const cache = cacheOf();
    const writes = new FreshWrites(cache);
    writes.record(key, at('12'));
    cache.send('DELETED', at('13'));
    expect(writes.get(key)).toBeUndefined();
  });

  it('keeps nothing the cache already holds, nor versions it cannot order', () => {
    const cache = cacheOf(at('15'));
    const writes = new FreshWrites(cache);
    writes.record(key, at('14'));
    expect(writes.get(key)).toBeUndefined();
    writes.record(key, at('opaque'));
    expect(writes.get(key)).toBeUndefined();
  });

  it('stops listening when closed', () => {
    const cache = cacheOf();
    const writes = new FreshWrites(cache);
    writes.record(key, at('12'));
    writes.close();
    expect(cache.listeners.size).toBe(0);
    expect(writes.get(key)).toBeUndefined();
  });
});
