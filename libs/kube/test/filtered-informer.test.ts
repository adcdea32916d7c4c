// A cluster-wide watch narrowed to the namespaces a role serves: reads and
// object events see nothing of the others; errors pass through.
import { describe, expect, it } from 'vitest';
import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import { namespaceFilteredInformer } from '../src/informer.js';

const obj = (namespace: string, name: string): KubernetesObject => ({
  metadata: { namespace, name },
});

/** An informer whose objects and events the test sets by hand. */
function handInformer(objects: KubernetesObject[]) {
  const handlers = new Map<string, Set<(o?: unknown) => void>>();
  const inner = {
    on: (verb: string, cb: (o?: unknown) => void) =>
      void handlers.set(verb, (handlers.get(verb) ?? new Set()).add(cb)),
    off: (verb: string, cb: (o?: unknown) => void) => void handlers.get(verb)?.delete(cb),
    get: (name: string, namespace?: string) =>
      objects.find((o) => o.metadata?.name === name && o.metadata?.namespace === namespace),
    list: (namespace?: string) =>
      objects.filter((o) => namespace === undefined || o.metadata?.namespace === namespace),
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  } as unknown as Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  const emit = (verb: string, o?: unknown) => handlers.get(verb)?.forEach((cb) => cb(o));
  return { inner, emit, handlers };
}

describe('namespaceFilteredInformer', () => {
  const objects = [obj('cd', 'a'), obj('team-a', 'a'), obj('other', 'b')];
  const keep = (ns: string) => ns === 'cd' || ns.startsWith('team-');

  it('lists and gets only objects of the namespaces kept', () => {
    const { inner } = handInformer(objects);
    const f = namespaceFilteredInformer(inner, keep);
    expect(f.list().map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`)).toEqual([
      'cd/a',
      'team-a/a',
    ]);
    expect(f.list('other')).toEqual([]);
    expect(f.get('a', 'team-a')).toBe(objects[1]);
    expect(f.get('b', 'other')).toBeUndefined();
  });

  it('passes on object events of kept namespaces only, and errors as they are', () => {
    const { inner, emit, handlers } = handInformer(objects);
    const f = namespaceFilteredInformer(inner, keep);
    const seen: string[] = [];
    const onObj = (o: KubernetesObject) =>
      seen.push(`${o.metadata?.namespace}/${o.metadata?.name}`);
    const onErr = (err?: unknown) => seen.push(`error ${String(err)}`);
    f.on('add', onObj);
    f.on('update', onObj);
    f.on('error', onErr);
    emit('add', obj('other', 'x'));
    emit('add', obj('team-b', 'y'));
    emit('update', obj('cd', 'z'));
    emit('error', 'gone');
    expect(seen).toEqual(['team-b/y', 'cd/z', 'error gone']);
    // `off` removes the wrapper it added, per verb.
    f.off('add', onObj);
    f.off('error', onErr);
    expect(handlers.get('add')?.size).toBe(0);
    expect(handlers.get('update')?.size).toBe(1);
    expect(handlers.get('error')?.size).toBe(0);
  });
});
