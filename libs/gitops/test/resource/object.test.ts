// The shared readers of Kubernetes objects: malformed input reads as zero
// values, never as an exception, so diff, health and sync agree on it.
import { describe, expect, it } from 'vitest';
import {
  annotationsOf,
  cloneJson,
  groupKindOf,
  isSecret,
  jsonEqual,
  metaString,
  nestedString,
  records,
  setAnnotation,
  versionOf,
  withMetadata,
} from '../../src/index.js';

describe('object readers', () => {
  it.each([
    ['apps/v1', 'Deployment', { group: 'apps', kind: 'Deployment' }, 'v1'],
    ['v1', 'Secret', { group: '', kind: 'Secret' }, 'v1'],
    [42, null, { group: '', kind: '' }, ''],
  ])('apiVersion %j kind %j', (apiVersion, kind, groupKind, version) => {
    const obj = { apiVersion, kind };
    expect(groupKindOf(obj)).toEqual(groupKind);
    expect(versionOf(obj)).toBe(version);
  });

  it('reads metadata fields and string annotations, skipping malformed ones', () => {
    const obj = {
      metadata: { name: 'web', namespace: 7, annotations: { a: 'x', b: 1, c: '' } },
    };
    expect(metaString(obj, 'name')).toBe('web');
    expect(metaString(obj, 'namespace')).toBe('');
    expect(annotationsOf(obj)).toEqual({ a: 'x', c: '' });
    expect(annotationsOf({ metadata: [] })).toEqual({});
    expect(annotationsOf({})).toEqual({});
  });

  it('tells a core Secret from a same-named kind of another group', () => {
    expect(isSecret({ apiVersion: 'v1', kind: 'Secret' })).toBe(true);
    expect(isSecret({ apiVersion: 'example.com/v1', kind: 'Secret' })).toBe(false);
  });

  it('copies with new metadata, and sets an annotation in place', () => {
    const obj = { kind: 'ConfigMap', metadata: { name: 'a' } };
    expect(withMetadata(obj, { namespace: 'ns' })).toEqual({
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'ns' },
    });
    expect(obj.metadata).toEqual({ name: 'a' });
    const target: Record<string, unknown> = { kind: 'ConfigMap' };
    setAnnotation(target, 'k', 'v');
    expect(target).toEqual({ kind: 'ConfigMap', metadata: { annotations: { k: 'v' } } });
  });
});

describe('JSON readers', () => {
  it('compares as serialised JSON: key order and undefined keys do not matter', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
  });

  it('reads nested strings, object lists and deep copies', () => {
    const crd = { spec: { names: { kind: 'Widget' }, group: 3 } };
    expect(nestedString(crd, 'spec', 'names', 'kind')).toBe('Widget');
    expect(nestedString(crd, 'spec', 'group')).toBeUndefined();
    expect(records([{ a: 1 }, 'x', null, [1], { b: 2 }])).toEqual([{ a: 1 }, { b: 2 }]);
    const copy = cloneJson(crd);
    expect(copy).toEqual(crd);
    expect(copy.spec).not.toBe(crd.spec);
  });
});
