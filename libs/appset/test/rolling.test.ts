import { describe, expect, it } from 'vitest';
import type { Application, ApplicationSet } from '@flotilla/api';
import {
  maxUpdateOf,
  planRollout,
  rolloutApp,
  withoutAutomatedSync,
  type AppRolloutStatus,
  type RolloutApp,
} from '../src/index.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';
const T2 = '2026-01-01T00:02:00Z';

const set = (
  steps: { env: string[]; maxUpdate?: number | string }[],
  applicationStatus?: AppRolloutStatus[],
): ApplicationSet =>
  ({
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: 's', namespace: 'ns' },
    spec: {
      generators: [],
      template: { metadata: {}, spec: {} },
      strategy: {
        type: 'RollingSync',
        rollingSync: {
          steps: steps.map((s) => ({
            matchExpressions: [{ key: 'env', operator: 'In', values: s.env }],
            ...(s.maxUpdate !== undefined ? { maxUpdate: s.maxUpdate } : {}),
          })),
        },
      },
    },
    ...(applicationStatus ? { status: { applicationStatus } } : {}),
  }) as ApplicationSet;

const app = (name: string, env: string, extra: Partial<RolloutApp> = {}): RolloutApp => ({
  name,
  labels: { env },
  sync: 'OutOfSync',
  health: 'Missing',
  busy: false,
  changed: false,
  ...extra,
});
const healthy = (name: string, env: string, extra: Partial<RolloutApp> = {}) =>
  app(name, env, { sync: 'Synced', health: 'Healthy', reconciledAt: T2, ...extra });
const states = (r: { applicationStatus: AppRolloutStatus[] }) =>
  Object.fromEntries(r.applicationStatus.map((e) => [e.application, e.status]));

describe('maxUpdateOf', () => {
  it('takes every app by default, integers as given, percentages rounded down but at least one', () => {
    expect(maxUpdateOf({}, 7)).toBe(7);
    expect(maxUpdateOf({ maxUpdate: 2 }, 7)).toBe(2);
    expect(maxUpdateOf({ maxUpdate: 0 }, 7)).toBe(0);
    expect(maxUpdateOf({ maxUpdate: '50%' }, 5)).toBe(2);
    expect(maxUpdateOf({ maxUpdate: '10%' }, 3)).toBe(1);
    expect(maxUpdateOf({ maxUpdate: '0%' }, 3)).toBe(0);
    expect(maxUpdateOf({ maxUpdate: '3' }, 5)).toBe(3);
    expect(() => maxUpdateOf({ maxUpdate: 'lots' }, 5)).toThrow(/maxUpdate/);
  });
});

describe('planRollout', () => {
  const steps = [{ env: ['dev'], maxUpdate: 1 }, { env: ['prod'] }];

  it('starts with the first step only, at most maxUpdate of it', () => {
    const r = planRollout(
      set(steps),
      [app('dev-a', 'dev'), app('dev-b', 'dev'), app('prod-a', 'prod')],
      T0,
    );
    expect(r.sync).toEqual(['dev-a']);
    expect(states(r)).toEqual({ 'dev-a': 'Pending', 'dev-b': 'Waiting', 'prod-a': 'Waiting' });
    expect(r.applicationStatus.find((e) => e.application === 'prod-a')).toMatchObject({
      step: '2',
      lastTransitionTime: T0,
      message: 'No Application status found, defaulting status to Waiting.',
    });
    expect(r.progressing).toMatchObject({ status: 'True', reason: 'ApplicationSetModified' });
  });

  it('moves Pending to Progressing when the sync starts, and to Healthy when it is done', () => {
    const first = planRollout(set(steps), [app('dev-a', 'dev'), app('prod-a', 'prod')], T0);
    const running = planRollout(
      set(steps, first.applicationStatus),
      [app('dev-a', 'dev', { busy: true, operationStartedAt: T0 }), app('prod-a', 'prod')],
      T1,
    );
    expect(states(running)).toEqual({ 'dev-a': 'Progressing', 'prod-a': 'Waiting' });
    expect(running.sync).toEqual([]);
    const done = planRollout(
      set(steps, running.applicationStatus),
      [healthy('dev-a', 'dev', { operationStartedAt: T0 }), app('prod-a', 'prod')],
      T2,
    );
    expect(states(done)).toEqual({ 'dev-a': 'Healthy', 'prod-a': 'Pending' });
    expect(done.sync).toEqual(['prod-a']);
  });

  it('does not count an operation that started before the sync was asked for', () => {
    const first = planRollout(set(steps), [app('dev-a', 'dev')], T1);
    const r = planRollout(
      set(steps, first.applicationStatus),
      [healthy('dev-a', 'dev', { operationStartedAt: T0 })],
      T2,
    );
    expect(states(r)).toEqual({ 'dev-a': 'Pending' });
  });

  it('keeps the next step waiting while one app of a step is not Healthy', () => {
    const prev: AppRolloutStatus[] = [
      { application: 'dev-a', status: 'Healthy', step: '1', lastTransitionTime: T0 },
      { application: 'dev-b', status: 'Progressing', step: '1', lastTransitionTime: T0 },
      { application: 'prod-a', status: 'Waiting', step: '2', lastTransitionTime: T0 },
    ];
    const r = planRollout(
      set(steps, prev),
      [
        healthy('dev-a', 'dev'),
        app('dev-b', 'dev', { health: 'Degraded', sync: 'Synced' }),
        app('prod-a', 'prod'),
      ],
      T1,
    );
    expect(r.sync).toEqual([]);
    expect(states(r)).toEqual({ 'dev-a': 'Healthy', 'dev-b': 'Progressing', 'prod-a': 'Waiting' });
    expect(r.progressing.message).toContain('step 1 of 2');
  });

  it('marks apps already in sync Healthy without syncing them, once the differ compared them', () => {
    const r = planRollout(set(steps), [healthy('dev-a', 'dev'), healthy('prod-a', 'prod')], T1);
    expect(r.sync).toEqual([]);
    expect(states(r)).toEqual({ 'dev-a': 'Healthy', 'prod-a': 'Healthy' });
    expect(r.progressing).toMatchObject({
      status: 'False',
      reason: 'ApplicationSetRolloutComplete',
    });
    // Compared before the set changed them: not known to be in sync yet.
    const stale = planRollout(set(steps), [healthy('dev-a', 'dev', { reconciledAt: T0 })], T1);
    expect(states(stale)).toEqual({ 'dev-a': 'Pending' });
  });

  it('sends a Healthy app that has changes back to Waiting and rolls it out again', () => {
    const prev: AppRolloutStatus[] = [
      { application: 'dev-a', status: 'Healthy', step: '1', lastTransitionTime: T0 },
      { application: 'prod-a', status: 'Healthy', step: '2', lastTransitionTime: T0 },
    ];
    const r = planRollout(
      set(steps, prev),
      [healthy('dev-a', 'dev', { changed: true }), healthy('prod-a', 'prod', { changed: true })],
      T1,
    );
    expect(states(r)).toEqual({ 'dev-a': 'Pending', 'prod-a': 'Waiting' });
    expect(r.sync).toEqual(['dev-a']);
    const outOfSync = planRollout(
      set(steps, prev),
      [app('dev-a', 'dev', { sync: 'OutOfSync', health: 'Healthy' }), healthy('prod-a', 'prod')],
      T1,
    );
    expect(states(outOfSync)).toEqual({ 'dev-a': 'Pending', 'prod-a': 'Healthy' });
  });

  it('pauses a step with maxUpdate 0 and never syncs apps that match no step', () => {
    const r = planRollout(
      set([{ env: ['dev'], maxUpdate: 0 }, { env: ['prod'] }]),
      [app('dev-a', 'dev'), app('prod-a', 'prod'), app('qa-a', 'qa')],
      T0,
    );
    expect(r.sync).toEqual([]);
    const qa = r.applicationStatus.find((e) => e.application === 'qa-a')!;
    expect(qa.step).toBeUndefined();
    expect(qa.message).toContain('matches no step');
  });

  it('leaves an app whose own operation runs alone and takes the next one of the step', () => {
    const r = planRollout(
      set([{ env: ['dev'], maxUpdate: 1 }]),
      [app('dev-a', 'dev', { busy: true }), app('dev-b', 'dev')],
      T0,
    );
    expect(r.sync).toEqual(['dev-b']);
    expect(states(r)).toEqual({ 'dev-a': 'Waiting', 'dev-b': 'Pending' });
  });

  it('keeps lastTransitionTime while the state holds', () => {
    const first = planRollout(set(steps), [app('dev-a', 'dev'), app('prod-a', 'prod')], T0);
    const again = planRollout(
      set(steps, first.applicationStatus),
      [app('dev-a', 'dev', { busy: true }), app('prod-a', 'prod')],
      T1,
    );
    expect(again.applicationStatus.map((e) => e.lastTransitionTime)).toEqual([T0, T0]);
  });
});

describe('rolloutApp and withoutAutomatedSync', () => {
  const base = {
    apiVersion: 'flotilla.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'a', labels: { env: 'dev' } },
    spec: {
      project: 'default',
      source: { repoURL: 'https://g/r.git', path: 'p' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'x' },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    },
  } as Application;

  it('drops automated sync and keeps the rest of the policy', () => {
    expect(withoutAutomatedSync(base).spec.syncPolicy).toEqual({
      syncOptions: ['CreateNamespace=true'],
    });
    const only = { ...base, spec: { ...base.spec, syncPolicy: { automated: {} } } } as Application;
    expect(withoutAutomatedSync(only).spec.syncPolicy).toBeUndefined();
  });

  it('counts a requested or running operation as busy', () => {
    expect(rolloutApp(base, false).busy).toBe(false);
    expect(rolloutApp({ ...base, operation: { sync: {} } } as Application, false).busy).toBe(true);
  });
});
