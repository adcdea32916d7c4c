import { afterAll, describe, expect, it } from 'vitest';
import type { Application, ApplicationSet } from '@flotilla/api';
import { JqRunner } from '@flotilla/gitops';
import { jqIgnoredPaths, ownerReference, planAppSet, pointerOf } from '../src/index.js';

// The real jq (jq-wasm in its worker-thread sandbox), on Node as installed, offline.
const runner = new JqRunner();
afterAll(() => runner.close());
const jq = () => runner;

const set = (rules: NonNullable<ApplicationSet['spec']['ignoreApplicationDifferences']>) =>
  ({
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-web' },
    spec: {
      generators: [],
      template: { metadata: {}, spec: {} },
      ignoreApplicationDifferences: rules,
    },
  }) as ApplicationSet;

const app = (name: string, spec: Record<string, unknown>, owner?: ApplicationSet): Application =>
  ({
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: 'ns',
      ...(owner ? { ownerReferences: [ownerReference(owner)], resourceVersion: '3' } : {}),
    },
    spec: {
      project: 'default',
      destination: { server: 'https://kubernetes.default.svc', namespace: 'x' },
      ...spec,
    },
  }) as Application;

const sources = (revA: string, revB: string, values: string) => ({
  sources: [
    { repoURL: 'https://g/a.git', path: 'a', targetRevision: revA, helm: { values } },
    { repoURL: 'https://g/b.git', path: 'b', targetRevision: revB },
  ],
});

describe('ignoreApplicationDifferences with jqPathExpressions', () => {
  it('keeps the live value of every field an expression selects, and updates the rest', async () => {
    const s = set([
      {
        jqPathExpressions: [
          '.spec.sources[] | select(.repoURL == "https://g/b.git") | .targetRevision',
          '.spec.sources[0].helm.values',
        ],
      },
    ]);
    const live = app('one', sources('main', 'v1-pinned-by-hand', 'replicas: 5'), s);
    const want = app('one', sources('v2', 'main', 'replicas: 1'));
    const ignored = await jqIgnoredPaths(s, [live], jq);
    expect(ignored.errors.size).toBe(0);
    expect(ignored.pointers.get('one')?.sort()).toEqual([
      '/spec/sources/0/helm/values',
      '/spec/sources/1/targetRevision',
    ]);
    const plan = planAppSet(s, [want], [live], true, { pointers: ignored.pointers });
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0]!.spec.sources).toEqual([
      {
        repoURL: 'https://g/a.git',
        path: 'a',
        targetRevision: 'v2',
        helm: { values: 'replicas: 5' },
      },
      { repoURL: 'https://g/b.git', path: 'b', targetRevision: 'v1-pinned-by-hand' },
    ]);
  });

  it('without the expression the same change is written over the live value', async () => {
    const s = set([]);
    const live = app('one', sources('main', 'v1-pinned-by-hand', 'replicas: 5'), s);
    const want = app('one', sources('main', 'main', 'replicas: 5'));
    const ignored = await jqIgnoredPaths(s, [live], jq);
    const plan = planAppSet(s, [want], [live], true, { pointers: ignored.pointers });
    expect(plan.update[0]!.spec.sources?.[1]?.targetRevision).toBe('main');
  });

  it('applies a named rule to that Application only, and a whole-field expression to the object', async () => {
    const s = set([{ name: 'two', jqPathExpressions: ['.spec.syncPolicy'] }]);
    const one = app(
      'one',
      { source: { repoURL: 'https://g/a.git' }, syncPolicy: { automated: {} } },
      s,
    );
    const two = app(
      'two',
      { source: { repoURL: 'https://g/a.git' }, syncPolicy: { automated: {} } },
      s,
    );
    const want = (n: string) => app(n, { source: { repoURL: 'https://g/a.git' } });
    const ignored = await jqIgnoredPaths(s, [one, two], jq);
    expect([...ignored.pointers.keys()]).toEqual(['two']);
    const plan = planAppSet(s, [want('one'), want('two')], [one, two], true, {
      pointers: ignored.pointers,
    });
    // one loses its syncPolicy; two keeps it, so it needs no write.
    expect(plan.update.map((a) => a.metadata.name)).toEqual(['one']);
    expect(plan.update[0]!.spec.syncPolicy).toBeUndefined();
  });

  it('an expression failing at run time selects nothing; one that does not compile holds the app', async () => {
    const s = set([{ jqPathExpressions: ['.spec.sources[].targetRevision'] }]);
    const live = app('one', { source: { repoURL: 'https://g/a.git', targetRevision: 'x' } }, s);
    const ok = await jqIgnoredPaths(s, [live], jq);
    expect(ok.errors.size).toBe(0);
    expect(ok.pointers.size).toBe(0);
    const bad = set([{ jqPathExpressions: ['.spec.source | ((('] }]);
    const liveBad = app('one', { source: { repoURL: 'https://g/a.git' } }, bad);
    const broken = await jqIgnoredPaths(bad, [liveBad], jq);
    expect(broken.errors.get('one')).toContain('jqPathExpression');
    const plan = planAppSet(
      bad,
      [app('one', { source: { repoURL: 'https://g/other.git' } })],
      [liveBad],
      true,
      { hold: new Set(broken.errors.keys()) },
    );
    expect(plan.update).toEqual([]);
  });

  it('leaves Applications the set does not own alone', async () => {
    const s = set([{ jqPathExpressions: ['.spec'] }]);
    const theirs = app('theirs', { source: { repoURL: 'https://g/a.git' } });
    expect((await jqIgnoredPaths(s, [theirs], jq)).pointers.size).toBe(0);
  });

  it('escapes pointer segments', () => {
    expect(pointerOf(['metadata', 'annotations', 'a/b~c', 0])).toBe(
      '/metadata/annotations/a~1b~0c/0',
    );
  });
});
