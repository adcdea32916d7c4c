// Pruning: live resources no longer in Git, what stops their deletion, and in
// which order they go.
import { ResultCode } from '@flotilla/api';
import { describe, expect, it } from 'vitest';
import {
  DropReason,
  PRUNE_DISABLED_MESSAGE,
  PRUNE_FALSE_MESSAGE,
  applyResult,
  pruneResult,
  syncProgress,
  type SyncObject,
} from '../../src/sync/index.js';
import { cm, deploy, obj, order, plan, stepsOf, taskOf } from './fixtures.js';

const WAVE = 'argocd.argoproj.io/sync-wave';
const OPTIONS = 'argocd.argoproj.io/sync-options';

/** A live ConfigMap in namespace `app`, as the cluster returns it. */
function liveCm(name: string, annotations: Record<string, string> = {}): SyncObject {
  return obj('v1', 'ConfigMap', name, annotations, { namespace: 'app' });
}

describe('prune tasks', () => {
  it('prunes a live resource that left Git when the sync prunes', () => {
    const p = plan([cm('kept')], [liveCm('kept'), liveCm('gone')], { prune: true });
    expect(order(p)).toEqual(['Sync/0 prune ConfigMap/gone', 'Sync/0 apply ConfigMap/kept']);
    const task = taskOf(p, 'ConfigMap', 'gone');
    expect(task.liveObject).toBeDefined();
    expect(task.targetObject).toBeUndefined();
    expect(pruneResult(task)).toMatchObject({ status: ResultCode.Pruned, message: 'pruned' });
    expect(pruneResult(task, {}, true)).toMatchObject({ message: 'pruned (dry run)' });
    expect(pruneResult(task, { pending: true })).toMatchObject({
      status: ResultCode.Pruned,
      hookPhase: 'Running',
    });
    expect(pruneResult(task, { error: 'forbidden' })).toMatchObject({
      status: ResultCode.SyncFailed,
      hookPhase: 'Failed',
      message: 'forbidden',
    });
  });

  it.each([
    ['the sync does not prune', {}, [], PRUNE_DISABLED_MESSAGE],
    ['the resource says Prune=false', { [OPTIONS]: 'Prune=false' }, [], PRUNE_FALSE_MESSAGE],
    ['the app says Prune=false', {}, ['Prune=false'], PRUNE_FALSE_MESSAGE],
  ])('skips the deletion when %s', (_, annotations, syncOptions, message) => {
    const prune = syncOptions.length > 0 || Object.keys(annotations).length > 0;
    const p = plan([], [liveCm('gone', annotations)], { prune, syncOptions });
    const task = taskOf(p, 'ConfigMap', 'gone');
    expect(task.pruneSkipMessage).toBe(message);
    expect(pruneResult(task)).toMatchObject({
      status: ResultCode.PruneSkipped,
      message,
      hookPhase: 'Succeeded',
    });
  });

  it('lets a resource opt back in when the app says Prune=false', () => {
    const p = plan([], [liveCm('gone', { [OPTIONS]: 'Prune=true' })], {
      prune: true,
      syncOptions: ['Prune=false'],
    });
    expect(taskOf(p, 'ConfigMap', 'gone').pruneSkipMessage).toBeUndefined();
  });

  it('waits for approval before a Prune=confirm deletion', () => {
    const live = [
      liveCm('gone', { [OPTIONS]: 'Prune=confirm' }),
      liveCm('also-gone', { [OPTIONS]: 'Prune=confirm' }),
    ];
    const p = plan([], live, { prune: true });
    expect(taskOf(p, 'ConfigMap', 'gone').requiresPruneConfirmation).toBe(true);
    expect(syncProgress(p, [])).toMatchObject({
      kind: 'await-prune-confirmation',
      message: 'Waiting for pruning confirmation of v1/ConfigMap/also-gone and 1 more resources',
    });
    const confirmed = plan([], live, { prune: true, pruneConfirmed: true });
    expect(syncProgress(confirmed, [])).toMatchObject({ kind: 'run-step' });
  });

  it('never prunes hooks, Skip resources or dropped hooks', () => {
    const live = [
      obj(
        'batch/v1',
        'Job',
        'migrate',
        { 'argocd.argoproj.io/hook': 'PreSync' },
        { namespace: 'app' },
      ),
      obj('batch/v1', 'Job', 'chart-test', { 'helm.sh/hook': 'test' }, { namespace: 'app' }),
      obj('batch/v1', 'Job', 'cleanup', { 'helm.sh/hook': 'post-delete' }, { namespace: 'app' }),
      liveCm('manual', { 'argocd.argoproj.io/hook': 'Skip' }),
    ];
    expect(plan([], live, { prune: true }).tasks).toEqual([]);
  });

  it('does not prune the live object of a desired Skip resource', () => {
    const p = plan([cm('manual', { 'argocd.argoproj.io/hook': 'Skip' })], [liveCm('manual')], {
      prune: true,
    });
    expect(p.tasks).toEqual([]);
  });

  it('prunes only selected resources in a selective sync', () => {
    const p = plan([], [liveCm('a'), liveCm('b')], {
      prune: true,
      resources: [{ kind: 'ConfigMap', name: 'a', namespace: 'app' }],
    });
    expect(order(p)).toEqual(['Sync/0 prune ConfigMap/a']);
    expect(p.dropped).toEqual([
      {
        key: { group: '', kind: 'ConfigMap', namespace: 'app', name: 'b' },
        reason: DropReason.NotSelected,
      },
    ]);
  });

  it('keys a cluster-scoped orphan without a namespace', () => {
    const p = plan([], [obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader')], {
      prune: true,
    });
    expect(p.tasks[0]?.key).toEqual({
      group: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      namespace: '',
      name: 'reader',
    });
  });

  it('deletes dependents in the foreground unless PrunePropagationPolicy says otherwise', () => {
    const p = plan([], [liveCm('gone')], { prune: true });
    expect(taskOf(p, 'ConfigMap', 'gone').syncOptions.prunePropagationPolicy).toBe('foreground');
    const q = plan([], [liveCm('gone')], {
      prune: true,
      syncOptions: ['PrunePropagationPolicy=orphan'],
    });
    expect(taskOf(q, 'ConfigMap', 'gone').syncOptions.prunePropagationPolicy).toBe('orphan');
  });
});

describe('prune order', () => {
  it('prunes in reverse wave order: what was created first goes last', () => {
    const live = [
      liveCm('created-first', { [WAVE]: '-1' }),
      liveCm('created-second', { [WAVE]: '0' }),
      liveCm('created-last', { [WAVE]: '5' }),
    ];
    const p = plan([], live, { prune: true });
    expect(stepsOf(p)).toEqual([
      'Sync/-1: ConfigMap/created-last',
      'Sync/0: ConfigMap/created-second',
      'Sync/5: ConfigMap/created-first',
    ]);
  });

  it('interleaves mirrored prune waves with the waves of the applies', () => {
    const p = plan(
      [deploy('web', { [WAVE]: '1' })],
      [liveCm('old-a', { [WAVE]: '0' }), liveCm('old-b', { [WAVE]: '2' })],
      {
        prune: true,
      },
    );
    expect(stepsOf(p)).toEqual([
      'Sync/0: ConfigMap/old-b',
      'Sync/1: Deployment/web',
      'Sync/2: ConfigMap/old-a',
    ]);
  });

  it.each([
    ['the app sets PruneLast=true', ['PruneLast=true'], {}],
    ['the live resource sets PruneLast=true', [], { [OPTIONS]: 'PruneLast=true' }],
  ])('prunes after the last wave when %s', (_, syncOptions, annotations) => {
    const p = plan([cm('a', { [WAVE]: '3' }), cm('b')], [liveCm('old', annotations)], {
      prune: true,
      syncOptions,
    });
    expect(stepsOf(p)).toEqual([
      'Sync/0: ConfigMap/b',
      'Sync/3: ConfigMap/a',
      'Sync/4: ConfigMap/old',
    ]);
  });

  it('puts PruneLast prunes in wave 1 when every wave is negative', () => {
    const p = plan([cm('a', { [WAVE]: '-3' })], [liveCm('old', { [WAVE]: '-2' })], {
      prune: true,
      syncOptions: ['PruneLast=true'],
    });
    expect(stepsOf(p)).toEqual(['Sync/-3: ConfigMap/a', 'Sync/1: ConfigMap/old']);
  });
});

describe('waiting for deletion', () => {
  it('holds the operation until a pruned object is gone, even in the last step', () => {
    const p = plan([cm('kept')], [liveCm('gone')], { prune: true });
    const gone = taskOf(p, 'ConfigMap', 'gone');
    const kept = taskOf(p, 'ConfigMap', 'kept');
    const applied = applyResult(kept, {});
    expect(syncProgress(p, [pruneResult(gone, { pending: true }), applied])).toMatchObject({
      kind: 'wait',
      message: 'waiting for deletion of /ConfigMap/gone',
    });
    expect(syncProgress(p, [pruneResult(gone), applied])).toMatchObject({
      kind: 'finished',
      phase: 'Succeeded',
    });
  });
});
