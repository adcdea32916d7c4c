// Drift triggers from watch events: batched per app, and none for a batch
// made only of a sync's own applies.
import { describe, expect, it } from 'vitest';
import { trackingId } from '@flotilla/gitops';
import type { CacheEvent, ClusterCache } from '@flotilla/kube';
import type { ResourceKey } from '@flotilla/contracts';
import { watchDrift } from '../src/drift.js';

const app = { namespace: 'flotilla', name: 'web' };
const key = (name: string): ResourceKey => ({ group: '', kind: 'ConfigMap', namespace: 'd', name });

const event = (type: CacheEvent['type'], name: string, rv: string): CacheEvent => ({
  type,
  key: key(name),
  object: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'd',
      resourceVersion: rv,
      annotations: { 'flotilla.dev/tracking-id': trackingId(app, key(name)) },
    },
  },
});

/** A cache that only delivers the events a test sends. */
function fakeCache() {
  const listeners = new Set<(e: CacheEvent) => void>();
  const cache = {
    subscribe(l: (e: CacheEvent) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as ClusterCache;
  return { cache, send: (e: CacheEvent) => listeners.forEach((l) => l(e)) };
}

async function triggersFor(
  events: CacheEvent[],
  own: Record<string, string>,
): Promise<{ resources: ResourceKey[]; reason: string }[]> {
  const { cache, send } = fakeCache();
  const triggered: { resources: ResourceKey[]; reason: string }[] = [];
  const stop = watchDrift(
    cache,
    'flotilla',
    10,
    (_app, resources, reason) => triggered.push({ resources, reason }),
    async (k, rv) => own[k.name] === rv,
  );
  for (const e of events) send(e);
  await new Promise((r) => setTimeout(r, 50));
  stop();
  return triggered;
}

describe('watchDrift', () => {
  it('batches the events of one app into one trigger', async () => {
    const t = await triggersFor([event('MODIFIED', 'a', '5'), event('MODIFIED', 'b', '6')], {});
    expect(t).toHaveLength(1);
    expect(t[0]?.resources.map((k) => k.name)).toEqual(['a', 'b']);
    expect(t[0]?.reason).toBe('live modified of ConfigMap/a');
  });

  it('asks for nothing when every event is a version a sync applied', async () => {
    const t = await triggersFor([event('ADDED', 'a', '5'), event('MODIFIED', 'b', '6')], {
      a: '5',
      b: '6',
    });
    expect(t).toEqual([]);
  });

  it('compares when any event is a change nobody applied', async () => {
    // The apply left version 5; version 7 is someone else's edit.
    const t = await triggersFor([event('MODIFIED', 'a', '5'), event('MODIFIED', 'a', '7')], {
      a: '5',
    });
    expect(t).toHaveLength(1);
  });

  it('always compares after a deletion', async () => {
    const t = await triggersFor([event('DELETED', 'a', '5')], { a: '5' });
    expect(t).toHaveLength(1);
  });
});
