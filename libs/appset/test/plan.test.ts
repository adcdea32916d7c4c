import { describe, expect, it } from 'vitest';
import type { Application, ApplicationSet } from '@flotilla/api';
import { ownerReference, planAppSet } from '../src/index.js';

const set = (policy?: string, extra: Partial<ApplicationSet['spec']> = {}): ApplicationSet =>
  ({
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-web' },
    spec: {
      generators: [],
      template: { metadata: {}, spec: {} },
      ...(policy ? { syncPolicy: { applicationsSync: policy } } : {}),
      ...extra,
    },
  }) as ApplicationSet;

const app = (name: string, path = 'p', meta: Record<string, unknown> = {}): Application =>
  ({
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'ns', ...meta },
    spec: {
      project: 'default',
      source: { repoURL: 'https://g/r.git', path },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'x' },
    },
  }) as Application;

const owned = (a: Application, s = set(), extra: Record<string, unknown> = {}) =>
  ({
    ...a,
    metadata: {
      ...a.metadata,
      ownerReferences: [ownerReference(s)],
      resourceVersion: '5',
      ...extra,
    },
  }) as Application;

describe('planning a reconcile', () => {
  it('creates missing apps owned by the set, updates changed owned ones, deletes owned ones no longer wanted', () => {
    const plan = planAppSet(
      set(),
      [app('a'), app('b', 'new')],
      [owned(app('b')), owned(app('c'))],
      true,
    );
    expect(plan.create.map((a) => a.metadata.name)).toEqual(['a']);
    expect((plan.create[0]!.metadata as Record<string, unknown>)['ownerReferences']).toEqual([
      {
        apiVersion: 'flotilla.dev/v1alpha1',
        kind: 'ApplicationSet',
        name: 'web',
        uid: 'uid-web',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(
      plan.update.map((a) => [
        a.metadata.name,
        a.spec.source?.path,
        (a.metadata as Record<string, unknown>)['resourceVersion'],
      ]),
    ).toEqual([['b', 'new', '5']]);
    expect(plan.delete).toEqual(['c']);
    expect(plan.owned).toEqual(['a', 'b']);
  });

  it.each([
    ['create-only', { create: 1, update: 0, delete: 0 }],
    ['create-update', { create: 1, update: 1, delete: 0 }],
    ['create-delete', { create: 1, update: 0, delete: 1 }],
    ['sync', { create: 1, update: 1, delete: 1 }],
  ])('follows applicationsSync %s', (policy, want) => {
    const s = set(policy);
    const plan = planAppSet(
      s,
      [app('a'), app('b', 'new')],
      [owned(app('b'), s), owned(app('c'), s)],
      true,
    );
    expect({
      create: plan.create.length,
      update: plan.update.length,
      delete: plan.delete.length,
    }).toEqual(want);
  });

  it('never touches an Application it does not own: a wanted name held elsewhere is a collision', () => {
    const other = set();
    other.metadata = {
      name: 'other',
      namespace: 'ns',
      uid: 'uid-other',
    } as ApplicationSet['metadata'];
    const plan = planAppSet(
      set(),
      [app('mine'), app('theirs'), app('users')],
      [owned(app('theirs'), other), app('users'), app('stray')],
      true,
    );
    expect(plan.collisions).toEqual(['theirs', 'users']);
    expect(plan.create.map((a) => a.metadata.name)).toEqual(['mine']);
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
  });

  it('holds deletions back when generation or rendering was incomplete', () => {
    const plan = planAppSet(set(), [app('a')], [owned(app('a')), owned(app('gone'))], false);
    expect(plan.delete).toEqual([]);
    expect(plan.deletesHeld).toBe(1);
    expect(plan.owned).toEqual(['a', 'gone']);
  });

  it('reports two parameter sets that render the same name', () => {
    const plan = planAppSet(set(), [app('a'), app('a', 'other')], [], true);
    expect(plan.duplicates).toEqual(['a']);
    expect(plan.create).toHaveLength(1);
  });

  it('keeps preserved labels and annotations, refresh annotations, and ignored fields', () => {
    const s = set(undefined, {
      preservedFields: { labels: ['keep'] },
      ignoreApplicationDifferences: [{ jsonPointers: ['/spec/source/targetRevision'] }],
    });
    const live = owned(app('a'), s, {
      labels: { keep: 'me', drop: 'x' },
      annotations: { 'flotilla.dev/refresh': 'hard' },
    });
    live.spec.source!.targetRevision = 'pinned-by-hand';
    const want = app('a', 'p', { labels: { team: 't' } });
    want.spec.source!.targetRevision = 'main';
    const plan = planAppSet(s, [want], [live], true);
    expect(plan.update).toHaveLength(1);
    const next = plan.update[0]!;
    expect(next.metadata.labels).toEqual({ team: 't', keep: 'me' });
    expect(next.metadata.annotations).toEqual({ 'flotilla.dev/refresh': 'hard' });
    expect(next.spec.source?.targetRevision).toBe('pinned-by-hand');
  });

  it('plans nothing when everything matches', () => {
    const plan = planAppSet(set(), [app('a')], [owned(app('a'))], true);
    expect(plan).toMatchObject({
      create: [],
      update: [],
      delete: [],
      collisions: [],
      owned: ['a'],
    });
  });
});
