import { describe, expect, it } from 'vitest';
import { canonicalSet, mergeManifestSets, type Manifest } from '../src/index.js';

const cm = (name: string, value: string): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'app' },
  data: { value },
});

describe('merging the sources of a multi-source application', () => {
  it('keeps every resource when the sources do not overlap', () => {
    const merged = mergeManifestSets([{ objects: [cm('a', '1')] }, { objects: [cm('b', '2')] }]);
    expect(merged.objects.map((o) => (o['metadata'] as { name: string }).name)).toEqual(['a', 'b']);
    expect(merged.warnings).toEqual([]);
    expect(merged.hash).toBe(canonicalSet([cm('b', '2'), cm('a', '1')]).set.hash);
  });

  it('lets the later source win a shared resource, and says so', () => {
    const merged = mergeManifestSets([
      { objects: [cm('shared', 'first'), cm('a', '1')], label: 'charts' },
      { objects: [cm('shared', 'second')], label: 'values' },
    ]);
    const shared = merged.objects.find(
      (o) => (o['metadata'] as { name: string }).name === 'shared',
    );
    expect((shared!['data'] as { value: string }).value).toBe('second');
    expect(merged.warnings).toEqual([
      '/ConfigMap/app/shared is rendered by charts and values; values wins',
    ]);
  });

  it('names unlabelled sources by position and carries their warnings', () => {
    const merged = mergeManifestSets([
      { objects: [cm('x', '1')], warnings: ['value file "a.yaml" does not exist; skipped'] },
      { objects: [cm('x', '2')] },
      { objects: [cm('x', '3')] },
    ]);
    expect(merged.warnings).toEqual([
      'source 1: value file "a.yaml" does not exist; skipped',
      '/ConfigMap/app/x is rendered by source 1 and source 2; source 2 wins',
      '/ConfigMap/app/x is rendered by source 2 and source 3; source 3 wins',
    ]);
    expect((merged.objects[0]!['data'] as { value: string }).value).toBe('3');
  });
});
