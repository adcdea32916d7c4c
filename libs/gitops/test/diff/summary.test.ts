import { describe, expect, it } from 'vitest';
import { summarizeDiff, type ResourceDiff } from '../../src/diff/index.js';

const key = (name: string) => ({ group: '', kind: 'ConfigMap', namespace: 'shop', name });
const r = (name: string, status: ResourceDiff['status'], extra: Partial<ResourceDiff> = {}) =>
  ({ key: key(name), status, changedPaths: [], diff: '', ...extra }) as ResourceDiff;

describe('summarizeDiff', () => {
  it.each([
    [[], 'Synced'],
    [[r('a', 'Synced'), r('b', 'Synced')], 'Synced'],
    [[r('a', 'Synced'), r('b', 'OutOfSync')], 'OutOfSync'],
    [[r('a', 'Missing')], 'OutOfSync'],
    [[r('a', 'Extraneous', { requiresPruning: true })], 'OutOfSync'],
    [[r('a', 'Extraneous', { requiresPruning: true, ignoreExtraneous: true })], 'Synced'],
    [[r('a', 'Shared')], 'Synced'],
    [[r('a', 'OutOfSync'), r('b', 'Error', { message: 'boom' })], 'Unknown'],
    [[r('a', 'Synced'), r('b', 'Error')], 'Unknown'],
  ] as const)('%j → %s', (resources, status) => {
    expect(summarizeDiff(resources).status).toBe(status);
  });

  it('lists prune candidates, but none when an error leaves doubt', () => {
    const gone = r('gone', 'Extraneous', { requiresPruning: true });
    const blocked = r('blocked', 'Extraneous', { requiresPruning: false });
    expect(summarizeDiff([gone, blocked]).pruneCandidates).toEqual([key('gone')]);
    expect(summarizeDiff([gone, r('x', 'Error', { message: 'm' })]).pruneCandidates).toEqual([]);
  });

  it('counts every status', () => {
    const { counts } = summarizeDiff([r('a', 'Synced'), r('b', 'Synced'), r('c', 'Missing')]);
    expect(counts).toEqual({
      Synced: 2,
      OutOfSync: 0,
      Missing: 1,
      Extraneous: 0,
      Shared: 0,
      Error: 0,
    });
  });

  it('turns errors and shared resources into conditions, after the given ones', () => {
    const given = { type: 'RepeatedResourceWarning', message: 'twice' } as const;
    const { conditions } = summarizeDiff(
      [
        r('a', 'Error', { message: 'dry run failed' }),
        r('b', 'Shared', { owner: { namespace: 'flotilla', name: 'billing' } }),
      ],
      [given],
    );
    expect(conditions).toEqual([
      given,
      { type: 'ComparisonError', message: 'ConfigMap shop/a: dry run failed' },
      {
        type: 'SharedResourceWarning',
        message: 'ConfigMap shop/b is also part of application flotilla/billing',
      },
    ]);
  });
});
