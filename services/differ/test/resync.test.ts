import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppRef } from '@flotilla/contracts';
import { lastLookedAt, resyncTurn, startResync } from '../src/resync.js';

const apps: AppRef[] = Array.from({ length: 200 }, (_, i) => ({ namespace: 'ns', name: `a${i}` }));

describe('staggered resync', () => {
  afterEach(() => vi.useRealTimers());

  it('compares every app once per interval, spread over it rather than all at once', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const seen: { app: string; turn: number; at: number }[] = [];
    const stop = startResync({
      intervalMs: 10_000,
      apps: () => apps,
      due: (app, turn) => seen.push({ app: app.name, turn, at: Date.now() }),
    });
    vi.advanceTimersByTime(30_000);
    stop();
    vi.advanceTimersByTime(30_000);
    const perApp = new Map<string, number[]>();
    for (const s of seen) perApp.set(s.app, [...(perApp.get(s.app) ?? []), s.turn]);
    expect(perApp.size).toBe(apps.length);
    for (const turns of perApp.values()) {
      expect(turns).toHaveLength(3);
      expect(turns[1]).toBe(turns[0]! + 1);
      expect(turns[2]).toBe(turns[0]! + 2);
    }
    const perTick = new Map<number, number>();
    for (const s of seen) perTick.set(s.at, (perTick.get(s.at) ?? 0) + 1);
    // 200 apps over 10 one-second ticks: about 20 a tick, never the whole fleet.
    expect(perTick.size).toBeGreaterThanOrEqual(25);
    expect(Math.max(...perTick.values())).toBeLessThan(apps.length / 2);
  });

  it('gives every replica the same turn numbers, so their commands share a message id', () => {
    const t = 1_234_567;
    for (const app of apps.slice(0, 20)) {
      expect(resyncTurn(app, 180_000, t)).toBe(resyncTurn({ ...app }, 180_000, t));
    }
    expect(resyncTurn(apps[0]!, 180_000, t + 180_000)).toBe(resyncTurn(apps[0]!, 180_000, t) + 1);
  });
});

describe('staggered resync of new apps', () => {
  afterEach(() => vi.useRealTimers());

  it('leaves an app alone for its first interval: its creation already set off a comparison', () => {
    vi.useFakeTimers({ now: 5_000_000 });
    const seen: string[] = [];
    const createdAt = Date.now();
    const stop = startResync({
      intervalMs: 10_000,
      apps: () => [
        ...apps.slice(0, 50).map((a) => ({ ...a, lookedAt: createdAt })),
        ...apps.slice(50, 100).map((a) => ({ ...a, lookedAt: createdAt - 60_000 })),
      ],
      due: (app) => seen.push(app.name),
    });
    vi.advanceTimersByTime(9_000);
    expect(new Set(seen).size).toBeGreaterThan(0);
    expect(seen.every((n) => Number(n.slice(1)) >= 50)).toBe(true);
    vi.advanceTimersByTime(12_000);
    stop();
    expect(seen.some((n) => Number(n.slice(1)) < 50)).toBe(true);
  });
});

describe('staggered resync of apps compared lately', () => {
  afterEach(() => vi.useRealTimers());

  it('skips the turn of an app compared within the interval, and not the next one after it', () => {
    vi.useFakeTimers({ now: 9_000_000 });
    const seen: { app: string; at: number }[] = [];
    const compared = new Map<string, number>();
    const stop = startResync({
      intervalMs: 10_000,
      apps: () => apps.map((a) => ({ ...a, lookedAt: compared.get(a.name) })),
      due: (app) => seen.push({ app: app.name, at: Date.now() }),
    });
    // Half the apps were just compared (a commit to each, say).
    for (const a of apps.slice(0, 100)) compared.set(a.name, Date.now());
    vi.advanceTimersByTime(9_500);
    const first = new Set(seen.map((s) => s.app));
    expect(first.size).toBeGreaterThan(50);
    expect([...first].every((n) => Number(n.slice(1)) >= 100)).toBe(true);
    // An interval on, every app has its turn again.
    vi.advanceTimersByTime(10_500);
    stop();
    expect(new Set(seen.map((s) => s.app)).size).toBe(apps.length);
  });
});

describe('when an app was last looked at', () => {
  const created = '2026-12-03T10:00:00Z';
  const t = (iso: string) => Date.parse(iso);

  it("counts any replica's status write, not only this replica's comparisons", () => {
    // Another replica (or the applier's end) wrote the status at 10:02; this one never compared it.
    const app = {
      metadata: { creationTimestamp: created },
      status: { reconciledAt: '2026-12-03T10:02:00Z' },
    };
    expect(lastLookedAt(app, undefined)).toBe(t('2026-12-03T10:02:00Z'));
    // Its own later comparison counts when it is the latest.
    expect(lastLookedAt(app, t('2026-12-03T10:05:00Z'))).toBe(t('2026-12-03T10:05:00Z'));
  });

  it('falls back to the creation, and knows nothing of an app with no times', () => {
    expect(lastLookedAt({ metadata: { creationTimestamp: created } }, undefined)).toBe(t(created));
    expect(
      lastLookedAt({ metadata: {}, status: { reconciledAt: 'not a time' } }, undefined),
    ).toBeNaN();
  });

  it('holds back the turn of an app another replica just reconciled', () => {
    vi.useFakeTimers({ now: t('2026-12-03T10:10:00Z') });
    const due: string[] = [];
    const app = (name: string, reconciledAt: string) => ({
      namespace: 'ns',
      name,
      lookedAt: lastLookedAt(
        { metadata: { creationTimestamp: created }, status: { reconciledAt } },
        undefined,
      ),
    });
    const stop = startResync({
      intervalMs: 60_000,
      apps: () => [app('fresh', '2026-12-03T10:09:59Z'), app('stale', '2026-12-03T10:01:00Z')],
      due: (a) => due.push(a.name),
    });
    vi.advanceTimersByTime(50_000);
    stop();
    expect(due).toEqual(['stale']);
  });
});
