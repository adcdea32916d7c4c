// Sync windows as Argo CD reads them: matching, open periods in a time zone,
// and CanSync for automated and manual syncs.
import { describe, expect, it } from 'vitest';
import type { SyncWindow } from '@flotilla/api';
import {
  nextOpening,
  openPeriod,
  syncWindowVerdict,
  windowMatches,
  windowedAutoSync,
  type AutoSyncDecision,
} from '../../src/index.js';

const app = {
  name: 'web',
  destination: { server: 'https://kubernetes.default.svc', namespace: 'team-a-prod' },
};
const win = (w: Partial<SyncWindow>): SyncWindow => ({
  kind: 'deny',
  schedule: '0 22 * * *',
  duration: '8h',
  applications: ['*'],
  ...w,
});
const at = (iso: string) => new Date(iso);

describe('windowMatches', () => {
  it.each([
    [{ applications: ['web'] }, true],
    [{ applications: ['api'] }, false],
    [{ applications: undefined, namespaces: ['team-a-*'] }, true],
    [{ applications: undefined, clusters: ['https://kubernetes.default.svc'] }, true],
    [{ applications: ['api'], namespaces: ['team-a-*'] }, true],
    [{ applications: ['api'], namespaces: ['team-a-*'], andOperator: true }, false],
    [{ applications: ['w*'], namespaces: ['team-a-*'], andOperator: true }, true],
  ])('%j → %s', (w, want) => {
    expect(windowMatches(win(w), app)).toBe(want);
  });
});

describe('openPeriod and nextOpening', () => {
  const nightly = win({ schedule: '0 22 * * *', duration: '8h' });
  it('is open from each scheduled time for its duration, across midnight', () => {
    expect(openPeriod(nightly, at('2026-12-02T23:30:00Z'))).toEqual({
      since: at('2026-12-02T22:00:00Z'),
      until: at('2026-12-03T06:00:00Z'),
    });
    expect(openPeriod(nightly, at('2026-12-03T05:59:00Z'))?.since).toEqual(
      at('2026-12-02T22:00:00Z'),
    );
    expect(openPeriod(nightly, at('2026-12-03T06:00:00Z'))).toBeUndefined();
    expect(openPeriod(nightly, at('2026-12-02T21:59:59Z'))).toBeUndefined();
    expect(nextOpening(nightly, at('2026-12-03T07:00:00Z'))).toEqual(at('2026-12-03T22:00:00Z'));
  });

  it('reads the schedule in the window time zone', () => {
    const paris = win({ schedule: '0 9 * * *', duration: '1h', timeZone: 'Europe/Paris' });
    // 09:00 in Paris is 08:00 UTC in winter.
    expect(openPeriod(paris, at('2026-12-02T08:30:00Z'))?.since).toEqual(
      at('2026-12-02T08:00:00Z'),
    );
    expect(openPeriod(paris, at('2026-12-02T09:30:00Z'))).toBeUndefined();
  });

  it('a schedule that cannot be read never opens', () => {
    expect(openPeriod(win({ schedule: '99 * * * *' }), at('2026-12-02T08:30:00Z'))).toBe(undefined);
  });
});

describe('syncWindowVerdict', () => {
  const night = at('2026-12-02T23:00:00Z');
  const day = at('2026-12-02T12:00:00Z');
  const deny = win({ kind: 'deny' });
  const allow = win({ kind: 'allow' });
  const verdict = (windows: SyncWindow[], manual: boolean, now: Date) =>
    syncWindowVerdict(windows, app, { manual, now });

  it('no windows, or none for this app: syncs', () => {
    expect(verdict([], false, night).allowed).toBe(true);
    expect(verdict([win({ applications: ['api'] })], false, night).allowed).toBe(true);
  });

  it('an open deny window blocks automated and manual syncs, with when it closes', () => {
    const v = verdict([deny], false, night);
    expect(v.allowed).toBe(false);
    expect(v.message).toContain("deny window '0 22 * * *'");
    expect(v.message).toContain('open until 2026-12-03T06:00:00.000Z');
    expect(v.nextChange).toEqual(at('2026-12-03T06:00:00Z'));
    expect(verdict([deny], true, night).allowed).toBe(false);
    expect(verdict([deny], false, day).allowed).toBe(true);
  });

  it('manualSync lets manual syncs through only when every open deny window sets it', () => {
    const manualDeny = win({ kind: 'deny', manualSync: true });
    expect(verdict([manualDeny], true, night).allowed).toBe(true);
    expect(verdict([manualDeny], false, night).allowed).toBe(false);
    expect(verdict([manualDeny, deny], true, night).allowed).toBe(false);
  });

  it('deny wins over an open allow window', () => {
    expect(verdict([allow, deny], false, night).allowed).toBe(false);
  });

  it('allow windows: open syncs; closed waits with the next opening', () => {
    expect(verdict([allow], false, night).allowed).toBe(true);
    const v = verdict([allow], false, day);
    expect(v.allowed).toBe(false);
    expect(v.message).toBe('no allow window is open; the next opens at 2026-12-02T22:00:00.000Z');
    expect(verdict([allow], true, day).allowed).toBe(false);
    expect(verdict([win({ kind: 'allow', manualSync: true })], true, day).allowed).toBe(true);
  });
});

describe('windowedAutoSync', () => {
  const now = at('2026-12-02T23:00:00Z');
  const go: AutoSyncDecision = {
    sync: true,
    operation: { sync: { revision: 'abc' }, initiatedBy: { automated: true } },
    selfHeal: false,
    selfHealAttempts: 0,
  };

  it('turns a blocked sync into a wait with a condition and a look again after the change', () => {
    const verdict = syncWindowVerdict([win({ kind: 'deny' })], app, { manual: false, now });
    const d = windowedAutoSync(go, verdict, now);
    expect(d.sync).toBe(false);
    if (d.sync) return;
    expect(d.condition?.type).toBe('SyncWindowWarning');
    expect(d.condition?.message).toMatch(/^automated sync waits: blocked by deny window/);
    expect(d.retryAfterMs).toBe(7 * 3600_000 + 1_000);
  });

  it('leaves an allowed sync and a decision not to sync alone', () => {
    const open = syncWindowVerdict([], app, { manual: false, now });
    expect(windowedAutoSync(go, open, now)).toBe(go);
    const no: AutoSyncDecision = { sync: false, reason: 'application status is Synced' };
    const blocked = syncWindowVerdict([win({ kind: 'deny' })], app, { manual: false, now });
    expect(windowedAutoSync(no, blocked, now)).toBe(no);
  });
});
