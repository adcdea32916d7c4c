// History and rollback: what is recorded, how it is trimmed, and when a
// rollback is allowed.
import type { OperationState, RevisionHistory } from '@flotilla/api';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REVISION_HISTORY_LIMIT,
  appendHistory,
  historyEntryFor,
  hooksSkippedFor,
  planRollback,
  shouldRecordHistory,
} from '../../src/sync/index.js';

const SOURCE = {
  repoURL: 'https://git.example.com/shop.git',
  path: 'deploy',
  targetRevision: 'main',
};

function state(phase: OperationState['phase'], sync: Record<string, unknown> = {}): OperationState {
  return {
    operation: { sync, initiatedBy: { username: 'ada' } },
    phase,
    startedAt: '2024-05-01T12:00:00Z',
    finishedAt: '2024-05-01T12:01:00Z',
    syncResult: { revision: 'abc123', source: SOURCE },
  };
}

const entry = (revision: string) => ({ revision, deployedAt: '2024-05-01T12:00:00Z' });

describe('what history records', () => {
  it.each([
    ['a successful sync', state('Succeeded'), true],
    ['a failed sync', state('Failed'), false],
    ['an errored sync', state('Error'), false],
    ['a running sync', state('Running'), false],
    ['a dry run', state('Succeeded', { dryRun: true }), false],
    [
      'a selective sync or self-heal',
      state('Succeeded', { resources: [{ kind: 'Deployment', name: 'web' }] }),
      false,
    ],
  ])('%s: %s', (_, s, recorded) => {
    expect(shouldRecordHistory(s)).toBe(recorded);
  });

  it('records what was synced, when, and by whom', () => {
    expect(historyEntryFor(state('Succeeded'))).toEqual({
      revision: 'abc123',
      source: SOURCE,
      deployedAt: '2024-05-01T12:01:00Z',
      deployStartedAt: '2024-05-01T12:00:00Z',
      initiatedBy: { username: 'ada' },
    });
    expect(historyEntryFor(state('Failed'))).toBeUndefined();
  });
});

describe('appending', () => {
  it('numbers entries from 0, one more than the last', () => {
    const one = appendHistory(undefined, entry('a'));
    const two = appendHistory(one, entry('b'));
    expect(two.map((h) => [h.id, h.revision])).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
  });

  it('keeps the newest 10 by default, ids still increasing', () => {
    let history: RevisionHistory[] = [];
    for (let i = 0; i < 12; i++) history = appendHistory(history, entry(`r${i}`));
    expect(DEFAULT_REVISION_HISTORY_LIMIT).toBe(10);
    expect(history.map((h) => h.id)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it.each([
    [1, [5]],
    [3, [3, 4, 5]],
    [0, []],
    [-2, []],
  ])('with revisionHistoryLimit %i keeps ids %j', (limit, ids) => {
    const history = [3, 4].map((id) => ({ id, ...entry(`r${id}`) }));
    expect(appendHistory(history, entry('new'), limit).map((h) => h.id)).toEqual(ids);
  });

  it('does not change the history it was given', () => {
    const history = [{ id: 0, ...entry('a') }];
    appendHistory(history, entry('b'));
    expect(history).toHaveLength(1);
  });
});

describe('rollback', () => {
  const history = [
    { id: 4, revision: 'old', source: SOURCE, deployedAt: '2024-04-01T00:00:00Z' },
    { id: 5, revision: 'new', source: SOURCE, deployedAt: '2024-05-01T00:00:00Z' },
  ];
  const manual = { project: 'default', destination: { namespace: 'shop' }, source: SOURCE };

  it('is refused while automated sync is on', () => {
    const automated = { ...manual, syncPolicy: { automated: { prune: true } } };
    expect(planRollback(automated, history, 4)).toEqual({
      ok: false,
      reason: 'rollback cannot be initiated when auto-sync is enabled',
    });
    const disabled = { ...manual, syncPolicy: { automated: { enabled: false } } };
    expect(planRollback(disabled, history, 4).ok).toBe(true);
  });

  it('is refused for an id history does not have', () => {
    expect(planRollback(manual, history, 9)).toEqual({
      ok: false,
      reason: 'application does not have deployment with id 9',
    });
  });

  it('applies the entry’s revision and source without hooks', () => {
    const decision = planRollback(manual, history, 4, { prune: true, username: 'ada' });
    if (!decision.ok) throw new Error(decision.reason);
    expect(decision.operation).toEqual({
      sync: {
        revision: 'old',
        source: SOURCE,
        prune: true,
        dryRun: false,
        syncStrategy: { apply: {} },
      },
      initiatedBy: { username: 'ada' },
    });
    expect(decision.operation.sync && hooksSkippedFor(decision.operation.sync)).toBe(true);
  });

  it.each([
    [{}, false],
    [{ syncStrategy: { hook: {} } }, false],
    [{ syncStrategy: { apply: {} } }, true],
    [{ resources: [{ kind: 'Deployment', name: 'web' }] }, true],
  ])('an operation %j skips hooks: %s', (sync, skipped) => {
    expect(hooksSkippedFor(sync)).toBe(skipped);
  });
});
