import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalSet, resourceKeyOf, type Manifest } from '../src/index.js';

const deploy = (name: string, ns = 'default', extra: Record<string, unknown> = {}): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: { replicas: 1, ...extra },
});
const svc = (name: string, ns = 'default'): Manifest => ({
  kind: 'Service',
  metadata: { namespace: ns, name },
  apiVersion: 'v1',
});

describe('canonical manifest sets', () => {
  it('sorts every object’s keys, at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });

  it('sorts objects by group, kind, namespace and name', () => {
    const { set } = canonicalSet([deploy('b'), svc('a', 'z'), deploy('a', 'x'), svc('a', 'a')]);
    expect(
      set.objects.map(
        (o) =>
          `${resourceKeyOf(o).group}/${resourceKeyOf(o).kind}/${resourceKeyOf(o).namespace}/${resourceKeyOf(o).name}`,
      ),
    ).toEqual(['/Service/a/a', '/Service/z/a', 'apps/Deployment/default/b', 'apps/Deployment/x/a']);
  });

  it('hashes content, not order: any permutation gives the same hash', () => {
    const a = canonicalSet([deploy('a'), svc('b')]).set;
    const b = canonicalSet([
      svc('b'),
      {
        spec: { replicas: 1 },
        metadata: { namespace: 'default', name: 'a' },
        kind: 'Deployment',
        apiVersion: 'apps/v1',
      },
    ]).set;
    expect(a.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    expect(JSON.stringify(b.objects)).toBe(JSON.stringify(a.objects));
  });

  it('a changed field changes the hash', () => {
    expect(canonicalSet([deploy('a')]).set.hash).not.toBe(
      canonicalSet([deploy('a', 'default', { replicas: 2 })]).set.hash,
    );
  });

  it('keeps the last of a repeated resource, with a warning', () => {
    const { set, warnings } = canonicalSet([deploy('a'), deploy('a', 'default', { replicas: 3 })]);
    expect(set.objects).toHaveLength(1);
    expect((set.objects[0]!['spec'] as { replicas: number }).replicas).toBe(3);
    expect(warnings).toEqual([
      'apps/Deployment/default/a appears more than once; the last one is used',
    ]);
  });

  it('keeps every hook that has only a generateName', () => {
    const hook = (image: string): Manifest => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { generateName: 'migrate-', annotations: { 'helm.sh/hook': 'pre-install' } },
      spec: { image },
    });
    const { set, warnings } = canonicalSet([hook('a'), hook('b')]);
    expect(set.objects).toHaveLength(2);
    expect(warnings).toEqual([]);
  });

  it('gives the core group as the empty string', () => {
    expect(resourceKeyOf(svc('x', 'ns'))).toEqual({
      group: '',
      kind: 'Service',
      namespace: 'ns',
      name: 'x',
    });
    expect(
      resourceKeyOf({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'r' },
      }),
    ).toEqual({
      group: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      namespace: '',
      name: 'r',
    });
  });
});
