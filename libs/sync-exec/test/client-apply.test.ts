// The three-way merge patch of client-side apply.
import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION, threeWayMergePatch, withLastApplied } from '../src/index.js';

describe('threeWayMergePatch', () => {
  it.each([
    [
      'changes what Git changed, keeps what others added',
      { data: { a: '1' } },
      { data: { a: '1', theirs: 'x' } },
      { data: { a: '2' } },
      { data: { a: '2' } },
    ],
    [
      'removes what Git stopped naming',
      { data: { a: '1', b: '1' } },
      { data: { a: '1', b: '1' } },
      { data: { a: '1' } },
      { data: { b: null } },
    ],
    [
      'puts back a value someone changed',
      { data: { a: '1' } },
      { data: { a: 'edited' } },
      { data: { a: '1' } },
      { data: { a: '1' } },
    ],
    [
      'without a last-applied record removes nothing',
      undefined,
      { data: { a: '1', b: '1' } },
      { data: { a: '1' } },
      undefined,
    ],
    [
      'replaces a list whole',
      { spec: { ports: [1] } },
      { spec: { ports: [1, 2] } },
      { spec: { ports: [3] } },
      { spec: { ports: [3] } },
    ],
  ])('%s', (_what, last, live, desired, expected) => {
    expect(threeWayMergePatch(last, live, desired)).toEqual(expected);
  });
});

describe('withLastApplied', () => {
  it('records the object without the record itself', () => {
    const obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', annotations: { [LAST_APPLIED_ANNOTATION]: 'old', keep: 'y' } },
      data: { a: '1' },
    };
    const out = withLastApplied(obj) as { metadata: { annotations: Record<string, string> } };
    expect(out.metadata.annotations['keep']).toBe('y');
    expect(JSON.parse(out.metadata.annotations[LAST_APPLIED_ANNOTATION] ?? '')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', annotations: { keep: 'y' } },
      data: { a: '1' },
    });
  });
});
