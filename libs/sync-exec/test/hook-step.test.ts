// How a running hook is judged from one look at it: finished, timed out, or
// still to be waited for, and when its time is up.
import { describe, expect, it } from 'vitest';
import { HealthStatusCode as H } from '@flotilla/api';
import { hookDeadline, nextHookStep, type HookLook } from '../src/index.js';

const look = (over: Partial<HookLook>): HookLook => ({
  name: 'migrate',
  exists: true,
  health: { status: H.Progressing, message: 'running' },
  deadline: undefined,
  timeoutMs: undefined,
  nowMs: 1_000,
  ...over,
});

describe('hookDeadline', () => {
  it('counts the timeout from the hook’s creation, so a redelivery keeps the clock', () => {
    expect(hookDeadline('2026-12-01T10:00:00Z', 60_000, Date.UTC(2026, 11, 1, 10, 5))).toBe(
      Date.UTC(2026, 11, 1, 10, 1),
    );
  });

  it('counts from now when the creation time cannot be read', () => {
    expect(hookDeadline(undefined, 5_000, 42_000)).toBe(47_000);
    expect(hookDeadline('not a time', 5_000, 42_000)).toBe(47_000);
  });

  it('has none without a timeout', () => {
    expect(hookDeadline('2026-12-01T10:00:00Z', undefined, 0)).toBeUndefined();
  });
});

describe('nextHookStep', () => {
  it.each([
    ['Healthy', { status: H.Healthy, message: 'done' }, 'Succeeded', 'done'],
    ['Degraded', { status: H.Degraded, message: 'exit 1' }, 'Failed', 'exit 1'],
    ['Unknown', { status: H.Unknown, message: '?' }, 'Failed', '?'],
    ['a kind without a check', undefined, 'Succeeded', 'migrate created'],
  ] as const)('ends a hook that is %s', (_, health, phase, message) => {
    expect(nextHookStep(look({ health }))).toEqual({ kind: 'finished', phase, message });
  });

  it('ends a hook that deleted itself as Succeeded, with no log to read', () => {
    expect(nextHookStep(look({ exists: false, health: undefined }))).toEqual({
      kind: 'finished',
      phase: 'Succeeded',
      message: 'migrate finished and was deleted',
      gone: true,
    });
  });

  it.each([
    ['Progressing', H.Progressing],
    ['Suspended', H.Suspended],
  ])('waits for a %s hook before its deadline', (_, status) => {
    expect(nextHookStep(look({ health: { status }, deadline: 2_000, nowMs: 1_999 }))).toEqual({
      kind: 'wait',
    });
    expect(nextHookStep(look({ health: { status }, deadline: 2_000, nowMs: 2_000 }))).toEqual({
      kind: 'wait',
    });
  });

  it('times a running hook out once its deadline has passed, naming the limit', () => {
    expect(nextHookStep(look({ deadline: 2_000, timeoutMs: 90_000, nowMs: 2_001 }))).toEqual({
      kind: 'timed-out',
      message: 'hook did not complete within 1m30s',
    });
  });

  it('lets a hook without a deadline run on', () => {
    expect(nextHookStep(look({ nowMs: Number.MAX_SAFE_INTEGER }))).toEqual({ kind: 'wait' });
  });

  it('counts a finish seen after the deadline as that finish, not a timeout', () => {
    const late = look({ health: { status: H.Healthy }, deadline: 2_000, nowMs: 9_000 });
    expect(nextHookStep(late)).toMatchObject({ kind: 'finished', phase: 'Succeeded' });
  });
});
