// Operation progress: what runs next given the results so far, so an
// operation picks up where it stopped after a crash, and how it ends.
import { HealthStatusCode as H, OperationPhase, ResultCode } from '@flotilla/api';
import { describe, expect, it } from 'vitest';
import {
  SYNC_FAILED_MESSAGE,
  SYNC_SUCCEEDED_MESSAGE,
  applyResult,
  fromResourceResults,
  hookResult,
  nextStepIndex,
  resourceHealthResult,
  syncOutcome,
  syncProgress,
  toResourceResults,
  type SyncObject,
  type SyncPlan,
  type SyncResourceResult,
} from '../../src/sync/index.js';
import { cm, deploy, job, plan, taskOf, exampleAll } from './fixtures.js';

const HOOK = 'argocd.argoproj.io/hook';
const manifests = exampleAll('sync-waves/manifests.yaml');

/** Results of running step `index`: hooks and resources created, still Running. */
function ran(p: SyncPlan, index: number): SyncResourceResult[] {
  return (p.steps[index]?.tasks ?? [])
    .filter((t) => t.type === 'apply' || t.type === 'hook')
    .map((t) => applyResult(t, { message: `${t.name} created` }));
}

/** The same results once everything in them is healthy (or has no health check). */
function healthy(p: SyncPlan, results: readonly SyncResourceResult[]): SyncResourceResult[] {
  return results.map((r) => {
    const task = [...p.tasks, ...p.syncFailTasks].find(
      (t) => t.key.name === r.key.name && t.phase === r.syncPhase,
    );
    if (!task) throw new Error(`no task for ${r.key.name}`);
    if (task.type === 'hook') return hookResult(task, { status: H.Healthy, message: 'done' });
    return resourceHealthResult(r, task.key.kind === 'Service' ? undefined : { status: H.Healthy });
  });
}

describe('walking the sync-waves example', () => {
  const p = plan(manifests);

  it('runs each step only after the previous one is done and healthy', () => {
    let results: SyncResourceResult[] = [];
    const seen: string[] = [];
    for (let i = 0; i < p.steps.length; i++) {
      expect(nextStepIndex(p, results)).toBe(i);
      results = [...results, ...ran(p, i)];
      const waiting = syncProgress(p, results);
      expect(waiting.kind).toBe('wait');
      seen.push(waiting.message);
      results = healthy(p, results);
    }
    expect(seen).toEqual([
      'waiting for completion of hook batch/Job/upgrade-sql-schemaa1b2c3d-presync-1704164645',
      'waiting for healthy state of /Service/backend and 1 more resources',
      'waiting for completion of hook batch/Job/maint-page-up',
      'waiting for healthy state of /Service/frontend and 1 more resources',
      'waiting for completion of hook batch/Job/maint-page-down',
    ]);
    expect(syncProgress(p, results)).toEqual({
      kind: 'finished',
      phase: OperationPhase.Succeeded,
      message: SYNC_SUCCEEDED_MESSAGE,
      hooksToDelete: [],
    });
    expect(nextStepIndex(p, results)).toBeUndefined();
  });

  it('resumes from status after a crash, even though the hooks it made now exist', () => {
    const before = [...healthy(p, [...ran(p, 0), ...ran(p, 1), ...ran(p, 2)])];
    const stored = toResourceResults(before);
    // The restarted applier re-plans: the Jobs it created are now live objects.
    const created: SyncObject[] = p.tasks
      .filter((t) => t.type === 'hook' && before.some((r) => r.key.name === t.name))
      .map((t) => t.targetObject as SyncObject);
    const replanned = plan(manifests, created);
    expect(
      replanned.tasks.filter((t) => t.type === 'delete-before-hook').map((t) => t.name),
    ).toEqual(['upgrade-sql-schemaa1b2c3d-presync-1704164645', 'maint-page-up']);
    const restored = fromResourceResults(stored, replanned.tasks);
    expect(restored).toEqual(before);
    expect(nextStepIndex(replanned, restored)).toBe(3);
    expect(syncProgress(replanned, restored)).toMatchObject({
      kind: 'run-step',
      tasks: [
        { name: 'frontend', key: { kind: 'Service' } },
        { name: 'frontend', key: { kind: 'ReplicaSet' } },
      ],
    });
  });

  it('records results in the shape of status.operationState.syncResult', () => {
    const [hook] = healthy(p, ran(p, 0));
    expect(toResourceResults(hook ? [hook] : [])).toEqual([
      {
        group: 'batch',
        version: 'v1',
        kind: 'Job',
        namespace: 'app',
        name: 'upgrade-sql-schemaa1b2c3d-presync-1704164645',
        status: 'Synced',
        message: 'done',
        hookType: 'PreSync',
        hookPhase: 'Succeeded',
        syncPhase: 'PreSync',
      },
    ]);
  });
});

describe('failure', () => {
  it('stops before the Sync phase when a PreSync hook fails', () => {
    const p = plan(manifests);
    const hook = p.steps[0]?.tasks[0];
    if (!hook) throw new Error('no hook');
    const results = [hookResult(hook, { status: H.Degraded, message: 'BackoffLimitExceeded' })];
    expect(syncProgress(p, results)).toEqual({
      kind: 'finished',
      phase: OperationPhase.Failed,
      message: SYNC_FAILED_MESSAGE,
      hooksToDelete: [],
    });
    expect(syncOutcome(p, results).phase).toBe(OperationPhase.Failed);
  });

  it('names the reasons of resources that failed to apply', () => {
    const p = plan([cm('a'), cm('b'), cm('c')]);
    const [a, b, c] = p.tasks;
    if (!a || !b || !c) throw new Error('three tasks expected');
    const results = [
      applyResult(a, { error: 'admission webhook denied' }),
      applyResult(b, { error: 'admission webhook denied' }),
      applyResult(c, { error: 'field is immutable' }),
    ];
    expect(syncOutcome(p, results)).toEqual({
      phase: OperationPhase.Failed,
      message: `${SYNC_FAILED_MESSAGE}, reason: admission webhook denied,field is immutable`,
    });
  });

  it('runs SyncFail hooks, deletes HookFailed hooks, then fails', () => {
    const p = plan([
      job('migrate', { [HOOK]: 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' }),
      job('page-oncall', { [HOOK]: 'SyncFail' }),
      cm('settings'),
    ]);
    const failed = [hookResult(taskOf(p, 'Job', 'migrate'), { status: H.Degraded })];
    const onFailure = syncProgress(p, failed);
    expect(onFailure).toMatchObject({ kind: 'run-sync-fail', message: SYNC_FAILED_MESSAGE });
    if (onFailure.kind !== 'run-sync-fail') throw new Error('unreachable');
    expect(onFailure.tasks.map((t) => t.name)).toEqual(['page-oncall']);
    expect(onFailure.hooksToDelete.map((t) => t.name)).toEqual(['migrate']);

    const paging = [...failed, applyResult(taskOf(p, 'Job', 'page-oncall'), {})];
    expect(syncProgress(p, paging)).toMatchObject({
      kind: 'wait',
      message: 'waiting for completion of hook batch/Job/page-oncall',
    });

    const paged = [
      ...failed,
      hookResult(taskOf(p, 'Job', 'page-oncall'), { status: H.Degraded, message: 'no pager' }),
    ];
    expect(syncProgress(p, paged)).toMatchObject({
      kind: 'finished',
      phase: OperationPhase.Failed,
      message: `${SYNC_FAILED_MESSAGE}\none or more SyncFail hooks failed, reason: no pager`,
    });
  });

  it('fails a step whose resource turns Degraded in a multi-step sync', () => {
    const p = plan([deploy('web'), cm('late', { 'argocd.argoproj.io/sync-wave': '1' })]);
    const web = applyResult(taskOf(p, 'Deployment', 'web'), {});
    expect(syncProgress(p, [web]).kind).toBe('wait');
    const degraded = resourceHealthResult(web, {
      status: H.Degraded,
      message: 'ProgressDeadlineExceeded',
    });
    expect(degraded.hookPhase).toBe(OperationPhase.Failed);
    expect(syncOutcome(p, [degraded]).phase).toBe(OperationPhase.Failed);
  });
});

describe('when a sync is done', () => {
  it('succeeds once a single-step sync is applied, without waiting for health', () => {
    const p = plan([cm('a'), deploy('web')]);
    expect(p.multiStep).toBe(false);
    expect(syncProgress(p, ran(p, 0))).toMatchObject({ kind: 'finished', phase: 'Succeeded' });
  });

  it('succeeds once the last wave is applied when that wave has no hooks', () => {
    const p = plan([cm('a'), deploy('web', { 'argocd.argoproj.io/sync-wave': '1' })]);
    const results = [...healthy(p, ran(p, 0)), ...ran(p, 1)];
    expect(syncProgress(p, results)).toMatchObject({ kind: 'finished', phase: 'Succeeded' });
  });

  it('deletes HookSucceeded hooks on success', () => {
    const p = plan([
      job('smoke', {
        [HOOK]: 'PostSync',
        'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
      }),
      cm('a'),
    ]);
    const results = [...healthy(p, ran(p, 0)), ...healthy(p, ran(p, 1))];
    const done = syncProgress(p, results);
    expect(done.kind === 'finished' && done.hooksToDelete.map((t) => t.name)).toEqual(['smoke']);
  });

  it('succeeds at once in a dry run, where applied resources count as done', () => {
    const p = plan([cm('a'), deploy('web', { 'argocd.argoproj.io/sync-wave': '1' })], [], {
      dryRun: true,
    });
    const results = p.tasks.map((t) => applyResult(t, {}, true));
    expect(
      results.every((r) => r.hookPhase === 'Succeeded' && r.status === ResultCode.Synced),
    ).toBe(true);
    expect(syncOutcome(p, results)).toEqual({
      phase: 'Succeeded',
      message: SYNC_SUCCEEDED_MESSAGE,
    });
  });

  it('succeeds with nothing to do', () => {
    expect(syncOutcome(plan([]), [])).toEqual({
      phase: 'Succeeded',
      message: SYNC_SUCCEEDED_MESSAGE,
    });
  });
});
