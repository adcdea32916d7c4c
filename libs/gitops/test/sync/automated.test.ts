// Automated sync: when the differ starts an operation on its own, and self-heal.
import type { ApplicationSpec, OperationState, ResourceStatus } from '@flotilla/api';
import { describe, expect, it } from 'vitest';
import {
  SELF_HEAL_BACKOFF,
  decideAutoSync,
  selfHealDelayMs,
  selfHealRemainingMs,
  type AutoSyncInput,
} from '../../src/sync/index.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const SOURCE = {
  repoURL: 'https://git.example.com/shop.git',
  path: 'deploy',
  targetRevision: 'main',
};

function spec(
  automated: Record<string, unknown> | undefined,
  extra: Partial<ApplicationSpec> = {},
): ApplicationSpec {
  return {
    project: 'default',
    destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
    source: SOURCE,
    ...(automated ? { syncPolicy: { automated } } : {}),
    ...extra,
  } as ApplicationSpec;
}

const outOfSync: ResourceStatus[] = [
  { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web', status: 'OutOfSync' },
  { group: '', kind: 'Service', namespace: 'shop', name: 'web', status: 'Synced' },
];

function lastOp(
  phase: OperationState['phase'],
  revision: string,
  finishedAgoMs = 60_000,
  message = '',
): OperationState {
  return {
    operation: { sync: { revision } },
    phase,
    message,
    startedAt: new Date(NOW.getTime() - finishedAgoMs - 1000).toISOString(),
    finishedAt: new Date(NOW.getTime() - finishedAgoMs).toISOString(),
    syncResult: { revision, source: { ...SOURCE, targetRevision: 'HEAD' } },
  };
}

function input(over: Partial<AutoSyncInput>): AutoSyncInput {
  return {
    spec: spec({}),
    syncStatus: { status: 'OutOfSync', revision: 'new' },
    resources: outOfSync,
    operationInProgress: false,
    now: NOW,
    ...over,
  };
}

describe('whether automated sync starts', () => {
  it.each([
    ['automated sync is off', { spec: spec(undefined) }, 'automated sync is off'],
    ['automated sync is disabled', { spec: spec({ enabled: false }) }, 'automated sync is off'],
    ['an operation runs', { operationInProgress: true }, 'another operation is in progress'],
    ['the app is being deleted', { deleting: true }, 'deletion in progress'],
    [
      'the app is Synced',
      { syncStatus: { status: 'Synced' as const } },
      'application status is Synced',
    ],
    [
      'the app is Unknown',
      { syncStatus: { status: 'Unknown' as const } },
      'application status is Unknown',
    ],
    [
      'only pruning is needed and automated prune is off',
      {
        resources: [
          { kind: 'ConfigMap', name: 'old', status: 'OutOfSync' as const, requiresPruning: true },
        ],
      },
      'need to prune extra resources only but automated prune is disabled',
    ],
    [
      'the revision was synced and self-heal is off',
      { lastOperation: lastOp('Succeeded', 'new') },
      'most recent sync already to new',
    ],
  ])('does not sync when %s', (_, over, reason) => {
    expect(decideAutoSync(input(over))).toEqual({ sync: false, reason });
  });

  it.each(['Succeeded', 'Failed', 'Error'] as const)(
    'syncs a commit that arrived while the last operation ran, once it ended %s',
    (phase) => {
      const decision = decideAutoSync(
        input({ lastOperation: lastOp(phase, 'old', 0, 'Operation terminated') }),
      );
      expect(decision.sync).toBe(true);
      expect(decision.sync && decision.operation.sync?.revision).toBe('new');
    },
  );

  it('syncs a new revision with the app’s prune, options and a retry limit of 5', () => {
    const decision = decideAutoSync(
      input({
        spec: spec(
          { prune: true },
          { syncPolicy: { automated: { prune: true }, syncOptions: ['PruneLast=true'] } },
        ),
        lastOperation: lastOp('Failed', 'old'),
      }),
    );
    expect(decision).toEqual({
      sync: true,
      selfHeal: false,
      selfHealAttempts: 0,
      operation: {
        sync: { revision: 'new', prune: true, syncOptions: ['PruneLast=true'] },
        initiatedBy: { automated: true },
        retry: { limit: 5 },
      },
    });
  });

  it('uses the app’s own retry strategy when it has one', () => {
    const retry = { limit: 2, backoff: { duration: '10s' } };
    const decision = decideAutoSync(
      input({ spec: spec({}, { syncPolicy: { automated: {}, retry } }) }),
    );
    expect(decision.sync && decision.operation.retry).toEqual(retry);
  });

  it('does not retry a revision whose sync failed, and says so with a SyncError', () => {
    const decision = decideAutoSync(
      input({ lastOperation: lastOp('Failed', 'new', 1000, 'one or more objects failed') }),
    );
    expect(decision).toEqual({
      sync: false,
      reason: 'failed previous sync attempt to new',
      condition: {
        type: 'SyncError',
        message: 'Failed sync attempt to new: one or more objects failed',
      },
    });
  });

  it('tries again once the source changes, even at the same revision', () => {
    const changed = spec({}, { source: { ...SOURCE, path: 'deploy/v2' } });
    expect(
      decideAutoSync(input({ spec: changed, lastOperation: lastOp('Failed', 'new') })).sync,
    ).toBe(true);
  });

  it('ignores targetRevision when comparing sources', () => {
    expect(decideAutoSync(input({ lastOperation: lastOp('Failed', 'new') })).sync).toBe(false);
  });

  it('refuses to prune everything without allowEmpty, with a SyncError', () => {
    const wipe = { spec: spec({ prune: true }), desiredCount: 0, liveCount: 4 };
    expect(decideAutoSync(input(wipe))).toEqual({
      sync: false,
      reason: 'auto-sync will wipe out all resources',
      condition: {
        type: 'SyncError',
        message: 'Skipping sync attempt to new: auto-sync will wipe out all resources',
      },
    });
    expect(
      decideAutoSync(input({ ...wipe, spec: spec({ prune: true, allowEmpty: true }) })).sync,
    ).toBe(true);
    const allPruned = outOfSync.map((r) => ({
      ...r,
      status: 'OutOfSync' as const,
      requiresPruning: true,
    }));
    expect(decideAutoSync(input({ spec: spec({ prune: true }), resources: allPruned })).sync).toBe(
      false,
    );
  });

  it('lists every source revision of a multi-source app', () => {
    const multi = spec({}, { source: undefined, sources: [SOURCE, { ...SOURCE, path: 'values' }] });
    const decision = decideAutoSync(
      input({ spec: multi, syncStatus: { status: 'OutOfSync', revisions: ['a', 'b'] } }),
    );
    expect(decision.sync && decision.operation.sync).toEqual({
      revisions: ['a', 'b'],
      prune: false,
    });
  });
});

describe('self-heal', () => {
  const healing = (attempts: number, finishedAgoMs: number) =>
    decideAutoSync(
      input({
        spec: spec({ selfHeal: true }),
        lastOperation: lastOp('Succeeded', 'new', finishedAgoMs),
        selfHealAttempts: attempts,
      }),
    );

  it('re-syncs only the drifted resources, and counts the attempt', () => {
    expect(healing(0, 0)).toEqual({
      sync: true,
      selfHeal: true,
      selfHealAttempts: 1,
      resources: [{ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' }],
      operation: {
        sync: {
          revision: 'new',
          prune: false,
          resources: [{ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' }],
        },
        initiatedBy: { automated: true },
        retry: { limit: 5 },
      },
    });
  });

  it('waits out the backoff measured from the end of the last operation', () => {
    expect(healing(1, 500)).toEqual({
      sync: false,
      reason: 'self-heal backoff: retrying in 1500 ms',
      retryAfterMs: 1500,
    });
    expect(healing(1, 2000).sync).toBe(true);
    expect(healing(2, 5000)).toMatchObject({ sync: false, retryAfterMs: 1000 });
  });

  it.each([
    [0, 0],
    [1, 2_000],
    [2, 6_000],
    [3, 18_000],
    [4, 54_000],
    [5, 162_000],
    [6, 300_000],
    [20, 300_000],
  ])('after %i attempts waits %i ms', (attempts, ms) => {
    expect(selfHealDelayMs(attempts)).toBe(ms);
  });

  it('waits the whole delay when the last operation has no end time', () => {
    expect(selfHealRemainingMs(2, undefined, NOW)).toBe(6_000);
    expect(SELF_HEAL_BACKOFF).toEqual({ initialMs: 2_000, factor: 3, capMs: 300_000 });
  });
});
