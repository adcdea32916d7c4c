// Watch-driven waits: the timing rule, and how nextChange reacts to cache
// events, aborts and its timer (with a stand-in cache and fake timers; the
// real cache is exercised in live.int.test.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ResourceKey } from '@flotilla/contracts';
import type { CacheEvent, ClusterCache } from '@flotilla/kube';
import { nextChange, wakeDelayMs } from '../src/index.js';

const key = (name: string): ResourceKey => ({
  group: 'batch',
  kind: 'Job',
  namespace: 'shop',
  name,
});

/** Just the subscription side of a cache: enough for nextChange. */
function eventSource() {
  const listeners = new Set<(e: CacheEvent) => void>();
  const cache = {
    subscribe(listener: (e: CacheEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as ClusterCache;
  const emit = (k: ResourceKey) => {
    for (const l of [...listeners]) l({ type: 'MODIFIED', key: k, object: {} });
  };
  return { cache, emit, listeners };
}

/** Whether a promise has settled, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('wakeDelayMs', () => {
  it.each([
    ['no deadline', undefined, 10_000],
    ['a far deadline', 60_000, 10_000],
    ['a near deadline', 3_500, 2_500],
    ['a passed deadline', 500, 0],
  ])('with %s sleeps %i ms', (_, deadline, expected) => {
    expect(wakeDelayMs(deadline, 10_000, 1_000)).toBe(expected);
  });
});

describe('nextChange', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('wakes on an event for a key it waits for, and ignores others', async () => {
    const { cache, emit, listeners } = eventSource();
    const wait = nextChange(cache, [key('a'), key('b')], new AbortController().signal, undefined);
    emit(key('other'));
    expect(await settled(wait)).toBe(false);
    emit(key('b'));
    expect(await settled(wait)).toBe(true);
    expect(listeners.size).toBe(0);
  });

  it('wakes when the signal aborts, and at once when it already has', async () => {
    const { cache } = eventSource();
    const abort = new AbortController();
    const wait = nextChange(cache, [key('a')], abort.signal, undefined);
    expect(await settled(wait)).toBe(false);
    abort.abort();
    expect(await settled(wait)).toBe(true);
    expect(await settled(nextChange(cache, [key('a')], abort.signal, undefined))).toBe(true);
  });

  it('looks again after the fallback without events, or at the deadline when sooner', async () => {
    const { cache } = eventSource();
    const signal = new AbortController().signal;
    const fallback = nextChange(cache, [key('a')], signal, undefined, 10_000);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(await settled(fallback)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(fallback)).toBe(true);

    const deadline = nextChange(cache, [key('a')], signal, Date.now() + 3_000, 10_000);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await settled(deadline)).toBe(true);
  });

  it('wakes on an outside nudge and stops listening for it afterwards', async () => {
    const { cache } = eventSource();
    let nudge: (() => void) | undefined;
    let unsubscribed = false;
    const wait = nextChange(
      cache,
      [key('a')],
      new AbortController().signal,
      undefined,
      10_000,
      (w) => {
        nudge = w;
        return () => (unsubscribed = true);
      },
    );
    nudge?.();
    expect(await settled(wait)).toBe(true);
    expect(unsubscribed).toBe(true);
  });
});
