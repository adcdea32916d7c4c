// Cached objects share equal strings and managedFields trees: a reader sees
// the same object as before (the dry-run cache compares live with a deep
// equality), and a shared tree cannot be changed through one object.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ObjectCompactor } from '../src/cache/compact.js';

const applied = {
  'f:data': { 'f:app': {} },
  'f:metadata': { 'f:annotations': { 'f:flotilla.dev/tracking-id': {} } },
};

function configMap(name: string, time: string, fieldsV1: object = applied): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'team-a',
      uid: `uid-${name}`,
      resourceVersion: '17',
      creationTimestamp: time,
      annotations: { 'flotilla.dev/tracking-id': `app:/ConfigMap:team-a/${name}` },
      managedFields: [
        {
          manager: 'flotilla-applier',
          operation: 'Apply',
          apiVersion: 'v1',
          time,
          fieldsType: 'FieldsV1',
          fieldsV1,
        },
        { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time },
      ],
    },
    data: { app: name, password: 'same' },
  });
}

const fieldsOf = (o: KubernetesObject, i = 0) => o.metadata?.managedFields?.[i]?.fieldsV1;

describe('ObjectCompactor', () => {
  it('leaves each object equal to what it was, key order included', () => {
    const c = new ObjectCompactor();
    for (const [name, time] of [
      ['a', '2026-12-03T10:00:00Z'],
      ['b', '2026-12-03T11:00:00Z'],
    ] as const) {
      const text = configMap(name, time);
      const o = c.object(JSON.parse(text) as KubernetesObject);
      expect(JSON.stringify(o)).toBe(text);
      // What the dry-run cache and compareApp check against a prediction.
      expect(isDeepStrictEqual(o, JSON.parse(text))).toBe(true);
    }
  });

  it('shares one frozen managedFields tree among objects that have equal ones', () => {
    const c = new ObjectCompactor();
    const a = c.object(JSON.parse(configMap('a', '2026-12-03T10:00:00Z')) as KubernetesObject);
    const b = c.object(JSON.parse(configMap('b', '2026-12-03T11:00:00Z')) as KubernetesObject);
    const other = c.object(
      JSON.parse(configMap('c', '2026-12-03T12:00:00Z', { 'f:data': { 'f:x': {} } })),
    );
    expect(fieldsOf(a)).toBe(fieldsOf(b));
    expect(fieldsOf(other)).not.toBe(fieldsOf(a));
    expect(fieldsOf(other)).toEqual({ 'f:data': { 'f:x': {} } });
    expect(Object.isFrozen(fieldsOf(a))).toBe(true);
    expect(() => {
      (fieldsOf(a) as Record<string, unknown>)['f:spec'] = {};
    }).toThrow(TypeError);
    expect(fieldsOf(b)).toEqual(applied);
    // An entry without fieldsV1 stays without.
    expect(b.metadata?.managedFields?.[1]).not.toHaveProperty('fieldsV1');
    // A copy (what the dry-run cache hands out) can be changed again.
    const copy = structuredClone(a);
    (fieldsOf(copy) as Record<string, unknown>)['f:spec'] = {};
    expect(fieldsOf(a)).toEqual(applied);
  });

  it('keeps sharing when its tables fill up', () => {
    const c = new ObjectCompactor(2);
    const trees = ['x', 'y', 'z', 'x', 'x'].map((f) =>
      fieldsOf(c.object(JSON.parse(configMap(f, '2026-12-03T10:00:00Z', { [`f:${f}`]: {} })))),
    );
    expect(trees.map((t) => Object.keys(t as object)[0])).toEqual([
      'f:x',
      'f:y',
      'f:z',
      'f:x',
      'f:x',
    ]);
    // The table was emptied at the third tree: the fourth starts a new shared copy.
    expect(trees[3]).not.toBe(trees[0]);
    expect(trees[4]).toBe(trees[3]);
  });

  it("takes the previous version's tree where an entry's tree did not change, and only then", () => {
    const c = new ObjectCompactor(1);
    const first = c.object(JSON.parse(configMap('a', '2026-12-03T10:00:00Z')) as KubernetesObject);
    // Another tree fills the one-entry table: the first tree is no longer in it.
    c.object(JSON.parse(configMap('b', '2026-12-03T10:00:00Z', { 'f:other': {} })));
    const next = c.object(
      JSON.parse(configMap('a', '2026-12-03T10:05:00Z')) as KubernetesObject,
      first,
    );
    expect(fieldsOf(next)).toBe(fieldsOf(first));
    // A tree with the same keys in another order, or one more key, is not the same tree.
    const reordered = {
      'f:metadata': { 'f:annotations': { 'f:flotilla.dev/tracking-id': {} } },
      'f:data': { 'f:app': {} },
    };
    const moved = c.object(
      JSON.parse(configMap('a', '2026-12-03T10:06:00Z', reordered)) as KubernetesObject,
      next,
    );
    expect(fieldsOf(moved)).not.toBe(fieldsOf(first));
    expect(JSON.stringify(fieldsOf(moved))).toBe(JSON.stringify(reordered));
    const grown = { ...applied, 'f:metadata': { 'f:labels': { 'f:x': {} } } };
    const changed = c.object(
      JSON.parse(configMap('a', '2026-12-03T10:07:00Z', grown)) as KubernetesObject,
      moved,
    );
    expect(fieldsOf(changed)).toEqual(grown);
    expect(fieldsOf(changed)).not.toBe(fieldsOf(moved));
  });
});
