// Hooks: which objects are hooks of which phases, how they enter the plan, what
// their health means, and which are deleted when the operation ends.
import { HealthStatusCode as H, OperationPhase, ResultCode } from '@flotilla/api';
import { describe, expect, it } from 'vitest';
import {
  DeletionHookType,
  DropReason,
  HOOK_FINALIZER,
  HookDeletePolicy,
  ResourceRole,
  SyncTaskType,
  appHash,
  applyResult,
  deletePoliciesOf,
  deletionHookProgress,
  deletionHooksToDelete,
  hookResult,
  hookRoleOf,
  hookTimedOut,
  hookTimeoutResult,
  hooksToDeleteOnFailure,
  hooksToDeleteOnSuccess,
  hooksToDeleteOnTerminate,
  indexResults,
  planDeletionHooks,
  readResourceAnnotations,
} from '../../src/index.js';
import { STARTED_AT, cm, job, obj, order, plan, resources, taskOf } from './fixtures.js';

const HOOK = 'argocd.argoproj.io/hook';
const POLICY = 'argocd.argoproj.io/hook-delete-policy';

describe('hook annotations', () => {
  it.each([
    [{}, ResourceRole.Resource, [], []],
    [{ [HOOK]: 'PreSync' }, ResourceRole.Hook, ['PreSync'], []],
    [{ [HOOK]: 'PostSync,PreSync' }, ResourceRole.Hook, ['PreSync', 'PostSync'], []],
    [{ [HOOK]: ' Sync , Sync ' }, ResourceRole.Hook, ['Sync'], []],
    [{ [HOOK]: 'SyncFail' }, ResourceRole.Hook, ['SyncFail'], []],
    [{ [HOOK]: 'Skip' }, ResourceRole.Skip, [], []],
    [{ [HOOK]: 'Skip,Bogus' }, ResourceRole.Skip, [], []],
    [{ [HOOK]: 'Skip,PreSync' }, ResourceRole.Hook, ['PreSync'], []],
    [{ [HOOK]: 'Bogus' }, ResourceRole.Invalid, [], []],
    [{ [HOOK]: '' }, ResourceRole.Invalid, [], []],
    [{ [HOOK]: 'PreDelete' }, ResourceRole.DeletionHook, [], ['PreDelete']],
    [
      { [HOOK]: 'PostDelete,PreDelete' },
      ResourceRole.DeletionHook,
      [],
      ['PreDelete', 'PostDelete'],
    ],
    [{ [HOOK]: 'PostSync,PreDelete' }, ResourceRole.Hook, ['PostSync'], ['PreDelete']],
    [{ 'flotilla.dev/hook': 'PreSync' }, ResourceRole.Hook, ['PreSync'], []],
    [{ 'flotilla.dev/hook': 'PostSync', [HOOK]: 'PreSync' }, ResourceRole.Hook, ['PostSync'], []],
  ])('%j reads as %s %j', (annotations, role, phases, deletionHooks) => {
    const info = hookRoleOf(job('j', annotations));
    expect(info).toEqual({ role, phases, deletionHooks });
  });

  it.each([
    [{}, ['BeforeHookCreation']],
    [{ [POLICY]: 'HookSucceeded' }, ['HookSucceeded']],
    [{ [POLICY]: 'HookFailed, HookSucceeded' }, ['HookFailed', 'HookSucceeded']],
    [{ [POLICY]: 'Bogus' }, ['BeforeHookCreation']],
    [{ [POLICY]: 'Never' }, ['Never']],
    [{ 'flotilla.dev/hook-delete-policy': 'HookFailed' }, ['HookFailed']],
  ])('delete policies of %j are %j', (annotations, policies) => {
    expect(deletePoliciesOf(job('j', annotations))).toEqual(policies);
  });

  it.each([
    [{}, 300_000, []],
    [{ 'flotilla.dev/hook-timeout': '30s' }, 30_000, []],
    [{ 'flotilla.dev/hook-timeout': '1h30m' }, 5_400_000, []],
    [{ 'flotilla.dev/hook-timeout': '0' }, undefined, []],
    [
      { 'flotilla.dev/hook-timeout': 'soon' },
      300_000,
      ['hook-timeout "soon" is not a duration; using 5m0s'],
    ],
  ])('hook timeout of %j is %s ms', (annotations, timeout, warnings) => {
    const ann = readResourceAnnotations(job('j', annotations));
    expect(ann.hookTimeoutMs).toBe(timeout);
    expect(ann.warnings).toEqual(warnings);
  });
});

describe('hooks in the plan', () => {
  it('never applies a hook as a normal resource', () => {
    const p = plan([job('migrate', { [HOOK]: 'PreSync' }), cm('settings')]);
    expect(order(p)).toEqual(['PreSync/0 hook Job/migrate', 'Sync/0 apply ConfigMap/settings']);
    expect(taskOf(p, 'Job', 'migrate').hookType).toBe('PreSync');
  });

  it('runs a hook with two types once in each phase', () => {
    const p = plan([job('check', { [HOOK]: 'PreSync,PostSync' }), cm('settings')]);
    expect(order(p)).toEqual([
      'PreSync/0 hook Job/check',
      'Sync/0 apply ConfigMap/settings',
      'PostSync/0 hook Job/check',
    ]);
  });

  it('deletes an existing hook before creating it again (BeforeHookCreation, the default)', () => {
    const hook = job('migrate', { [HOOK]: 'PreSync' });
    const p = plan(
      [hook],
      [{ ...hook, metadata: { ...(hook['metadata'] as object), namespace: 'app' } }],
    );
    expect(order(p)).toEqual([
      'PreSync/0 delete-before-hook Job/migrate',
      'PreSync/0 hook Job/migrate',
    ]);
    expect(p.tasks[0]?.targetObject).toBeUndefined();
    expect(p.tasks[0]?.liveObject).toBeDefined();
  });

  it('does not delete an existing hook whose policies leave out BeforeHookCreation', () => {
    const hook = job('migrate', { [HOOK]: 'PreSync', [POLICY]: 'HookSucceeded' });
    const p = plan([hook], [hook]);
    expect(order(p)).toEqual(['PreSync/0 hook Job/migrate']);
  });

  it('never prunes a live hook that left the manifests', () => {
    const p = plan([cm('settings')], [job('old-migrate', { [HOOK]: 'PreSync' })], { prune: true });
    expect(order(p)).toEqual(['Sync/0 apply ConfigMap/settings']);
  });

  it('keeps SyncFail hooks out of the steps: they run only on failure', () => {
    const p = plan([cm('settings'), job('notify', { [HOOK]: 'SyncFail' })]);
    expect(order(p)).toEqual(['Sync/0 apply ConfigMap/settings']);
    expect(p.syncFailTasks.map((t) => `${t.phase} ${t.name}`)).toEqual(['SyncFail notify']);
    // As in gitops-engine, a SyncFail hook makes the sync multi-step.
    expect(p.multiStep).toBe(true);
  });

  it.each([
    ['a selective sync', { resources: [{ kind: 'ConfigMap', name: 'settings' }] }],
    ['a rollback or self-heal (skipHooks)', { skipHooks: true }],
  ])('leaves hooks out of %s', (_, options) => {
    const p = plan([cm('settings'), job('migrate', { [HOOK]: 'PreSync' })], [], options);
    expect(order(p)).toEqual(['Sync/0 apply ConfigMap/settings']);
    expect(p.dropped).toEqual([
      {
        key: { group: 'batch', kind: 'Job', namespace: 'app', name: 'migrate' },
        reason: DropReason.HooksSkipped,
      },
    ]);
  });

  it('drops Skip resources, unknown hook types and deletion-only hooks', () => {
    const p = plan([
      cm('skipped', { [HOOK]: 'Skip' }),
      job('helm-test', { 'helm.sh/hook': 'test' }),
      job('cleanup', { [HOOK]: 'PostDelete' }),
    ]);
    expect(p.tasks).toEqual([]);
    expect(p.dropped.map((d) => `${d.key.name}: ${d.reason}`)).toEqual([
      'skipped: skip',
      'helm-test: invalid-hook',
      'cleanup: deletion-hook',
    ]);
  });

  it('puts the hook finalizer on the hook it creates, without touching the manifest', () => {
    const manifest = job('migrate', { [HOOK]: 'PreSync' });
    const p = plan([manifest]);
    const target = taskOf(p, 'Job', 'migrate').targetObject as any;
    expect(target.metadata.finalizers).toEqual([HOOK_FINALIZER]);
    expect(target.metadata.namespace).toBe('app');
    expect((manifest as any).metadata.finalizers).toBeUndefined();
    const without = plan([manifest], [], { hookFinalizer: false });
    expect(
      (taskOf(without, 'Job', 'migrate').targetObject as any).metadata.finalizers,
    ).toBeUndefined();
  });

  it('carries the hook timeout on hook tasks only', () => {
    const p = plan([
      job('migrate', { [HOOK]: 'PreSync', 'flotilla.dev/hook-timeout': '2m' }),
      cm('c'),
    ]);
    expect(taskOf(p, 'Job', 'migrate').hookTimeoutMs).toBe(120_000);
    expect(taskOf(p, 'ConfigMap', 'c').hookTimeoutMs).toBeUndefined();
  });
});

describe('hook results', () => {
  const p = plan([job('migrate', { [HOOK]: 'PreSync' })]);
  const hook = taskOf(p, 'Job', 'migrate');

  it.each([
    [{ status: H.Healthy, message: 'done' }, OperationPhase.Succeeded, 'done'],
    [{ status: H.Progressing, message: 'running' }, OperationPhase.Running, 'running'],
    [{ status: H.Suspended }, OperationPhase.Running, ''],
    [
      { status: H.Degraded, message: 'BackoffLimitExceeded' },
      OperationPhase.Failed,
      'BackoffLimitExceeded',
    ],
    [{ status: H.Unknown }, OperationPhase.Failed, ''],
    [undefined, OperationPhase.Succeeded, 'migrate created'],
  ])('health %j makes the hook %s', (health, phase, message) => {
    const result = hookResult(hook, health);
    expect(result).toMatchObject({ status: ResultCode.Synced, hookPhase: phase, message });
    expect(result).toMatchObject({ hookType: 'PreSync', syncPhase: 'PreSync' });
  });

  it('fails a hook that runs past its timeout', () => {
    const started = STARTED_AT;
    expect(hookTimedOut(hook, started, new Date(started.getTime() + 299_000))).toBe(false);
    expect(hookTimedOut(hook, started, new Date(started.getTime() + 301_000))).toBe(true);
    expect(hookTimeoutResult(hook)).toMatchObject({
      hookPhase: OperationPhase.Failed,
      message: 'hook did not complete within 5m0s',
    });
  });
});

describe('hook delete policies at the end of an operation', () => {
  const p = plan([
    job('on-success', { [HOOK]: 'PreSync', [POLICY]: 'HookSucceeded' }),
    job('on-failure', { [HOOK]: 'PreSync', [POLICY]: 'HookFailed' }),
    job('default', { [HOOK]: 'PreSync' }),
    job('both', { [HOOK]: 'PostSync', [POLICY]: 'HookSucceeded,HookFailed' }),
  ]);
  const names = (tasks: readonly { name: string }[]) => tasks.map((t) => t.name);

  it('deletes HookSucceeded hooks on success and HookFailed hooks on failure', () => {
    expect(names(hooksToDeleteOnSuccess(p.tasks))).toEqual(['on-success', 'both']);
    expect(names(hooksToDeleteOnFailure(p.tasks))).toEqual(['on-failure', 'both']);
  });

  it('with results, deletes only hooks that were created and are no longer running', () => {
    const done = ['on-success', 'on-failure', 'default'].map((n) =>
      hookResult(taskOf(p, 'Job', n), { status: H.Healthy }),
    );
    const index = indexResults(done);
    expect(names(hooksToDeleteOnSuccess(p.tasks, index))).toEqual(['on-success']);
    expect(names(hooksToDeleteOnFailure(p.tasks, index))).toEqual(['on-failure']);
  });

  it('on terminate, deletes running hooks and finished HookFailed ones', () => {
    const index = indexResults([
      hookResult(taskOf(p, 'Job', 'on-failure'), { status: H.Degraded }),
      applyResult(taskOf(p, 'Job', 'default'), {}),
    ]);
    expect(names(hooksToDeleteOnTerminate(p.tasks, index))).toEqual(['default', 'on-failure']);
  });
});

describe('PreDelete and PostDelete hooks', () => {
  const desired = resources(
    job('drain', { [HOOK]: 'PreDelete', [POLICY]: 'HookSucceeded' }),
    obj('batch/v1', 'Job', '', { 'helm.sh/hook': 'pre-delete' }, { generateName: 'backup-' }),
    job('goodbye', { 'helm.sh/hook': 'post-delete' }),
    cm('settings'),
  );
  const options = {
    deletionStartedAt: STARTED_AT,
    revision: 'abcdef0123',
    destinationNamespace: 'app',
  };

  it('plans only the hooks of the requested type, naming generateName ones', () => {
    const pre = planDeletionHooks(DeletionHookType.PreDelete, desired, [], options);
    expect(pre.toCreate.map((h) => `${h.key.namespace}/${h.key.name}`)).toEqual([
      'app/backup-abcdef0-predelete-1704164645',
      'app/drain',
    ]);
    const post = planDeletionHooks(DeletionHookType.PostDelete, desired, [], options);
    expect(post.toCreate.map((h) => h.key.name)).toEqual(['goodbye']);
  });

  it('names the generateName hooks of same-named apps of two namespaces apart', () => {
    const names = ['team-a', 'team-b'].map((namespace) =>
      planDeletionHooks(DeletionHookType.PreDelete, desired, [], {
        ...options,
        app: { namespace, name: 'shop' },
      }).toCreate.map((h) => h.key.name),
    );
    expect(names[0]).toEqual([
      `backup-abcdef0-predelete-1704164645-${appHash({ namespace: 'team-a', name: 'shop' })}`,
      'drain',
    ]);
    expect(names[1]?.[0]).not.toBe(names[0]?.[0]);
  });

  it('does not create a hook that already exists', () => {
    const live = resources({
      ...job('drain', { [HOOK]: 'PreDelete' }),
      metadata: { name: 'drain', namespace: 'app', annotations: { [HOOK]: 'PreDelete' } },
    });
    const pre = planDeletionHooks(DeletionHookType.PreDelete, desired, live, options);
    expect(pre.toCreate.map((h) => h.key.name)).toEqual(['backup-abcdef0-predelete-1704164645']);
    expect(pre.existing.map((h) => h.key.name)).toEqual(['drain']);
  });

  it('waits while a hook progresses, fails on a degraded one, and cleans up by policy', () => {
    const pre = planDeletionHooks(DeletionHookType.PreDelete, desired, [], options);
    const [backup, drain] = pre.toCreate;
    if (!backup || !drain) throw new Error('expected two hooks');
    expect(
      deletionHookProgress([
        { hook: backup, health: { status: H.Progressing } },
        { hook: drain, health: { status: H.Healthy } },
      ]),
    ).toEqual({ phase: 'Running', message: 'Waiting for 1 PreDelete hooks to complete' });
    expect(deletionHookProgress([{ hook: backup, health: { status: H.Degraded } }])).toEqual({
      phase: 'Failed',
      message: 'PreDelete hook(s) failed: app/backup-abcdef0-predelete-1704164645',
    });
    const healthy = [
      { hook: backup, health: undefined },
      { hook: drain, health: { status: H.Healthy } },
    ];
    expect(deletionHookProgress(healthy).phase).toBe('Succeeded');
    expect(deletionHooksToDelete(healthy).map((h) => h.key.name)).toEqual(['drain']);
    expect(backup.deletePolicies).toEqual([HookDeletePolicy.BeforeHookCreation]);
  });
});

describe('task types', () => {
  it('names every type a task can have', () => {
    expect(Object.values(SyncTaskType)).toEqual(['apply', 'prune', 'hook', 'delete-before-hook']);
  });
});
