// Refreshes and manual syncs asked together share one fresh round; a manual
// sync is noticed once, however often the informer repeats the app.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Application } from '@flotilla/api';
import type { PolledApp } from '@flotilla/git';
import { freshBatcher, manualSyncWatch } from '../src/fresh.js';

const polled = (name: string): PolledApp => ({
  ref: { namespace: 'flotilla', name },
  sources: [{ repoURL: 'https://git.example.com/apps.git', targetRevision: 'main' }],
  refresh: 'normal',
});

describe('freshBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('polls the apps asked for within the batch window in one round, each once', async () => {
    const rounds: string[][] = [];
    const batcher = freshBatcher(
      async (apps) => void rounds.push(apps.map((a) => a.ref.name)),
      () => undefined,
      50,
    );
    batcher.add(polled('web'));
    batcher.add(polled('api'));
    batcher.add(polled('web'));
    expect(rounds).toEqual([]);
    await vi.advanceTimersByTimeAsync(50);
    expect(rounds).toEqual([['web', 'api']]);
    batcher.add(polled('db'));
    await vi.advanceTimersByTimeAsync(50);
    expect(rounds).toEqual([['web', 'api'], ['db']]);
  });

  it('reports a failed round and drops what is pending on stop', async () => {
    const errors: string[] = [];
    let polls = 0;
    const batcher = freshBatcher(
      async () => {
        polls++;
        throw new Error('unreachable');
      },
      (err) => errors.push(err.message),
      50,
    );
    batcher.add(polled('web'));
    await vi.advanceTimersByTimeAsync(50);
    expect(errors).toEqual(['unreachable']);
    batcher.add(polled('api'));
    batcher.stop();
    await vi.advanceTimersByTimeAsync(100);
    expect(polls).toBe(1);
  });
});

describe('manualSyncWatch', () => {
  const app = (operation?: Application['operation']) =>
    ({ metadata: { namespace: 'flotilla', name: 'web' }, operation }) as Application;

  it('notices a manual sync once, and again after it ended', () => {
    const isNew = manualSyncWatch();
    const op = { sync: {}, initiatedBy: { username: 'alice' } };
    expect(isNew(app(op))).toBe(true);
    expect(isNew(app(op))).toBe(false); // a status write while it runs
    expect(isNew(app())).toBe(false); // it ended
    expect(isNew(app(op))).toBe(true); // the same request made again
  });

  it('ignores automated syncs, which name the compared commit', () => {
    const isNew = manualSyncWatch();
    expect(
      isNew(app({ sync: { revision: 'a'.repeat(40) }, initiatedBy: { automated: true } })),
    ).toBe(false);
  });
});
