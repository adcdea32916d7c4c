import { describe, expect, it } from 'vitest';
import {
  StallingError,
  WaitingError,
  backoffDelay,
  outcomeOfError,
  traceparent,
} from '../src/index.js';

describe('outcomes', () => {
  it.each([
    [new WaitingError('lease held', 500), { kind: 'wait', delayMs: 500, reason: 'lease held' }],
    [new StallingError('bad spec'), { kind: 'stall', reason: 'bad spec' }],
    [new Error('boom'), { kind: 'retry', error: 'boom' }],
    ['text', { kind: 'retry', error: 'text' }],
  ])('map %s', (err, outcome) => {
    expect(outcomeOfError(err)).toEqual(outcome);
  });

  it('back off exponentially up to the cap, with bounded jitter', () => {
    const b = { initialMs: 1000, factor: 2, maxMs: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, b, () => 0.5))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
    expect(backoffDelay(1, b, () => 0)).toBe(800);
    expect(backoffDelay(1, b, () => 1)).toBe(1200);
  });
});

describe('traceparent', () => {
  it('starts a sampled trace, or continues a valid parent with a new span', () => {
    expect(traceparent()).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const child = traceparent(parent);
    expect(child.startsWith('00-0af7651916cd43dd8448eb211c80319c-')).toBe(true);
    expect(child.endsWith('-00')).toBe(true);
    expect(child).not.toBe(parent);
    expect(traceparent('garbage')).toMatch(/^00-[0-9a-f]{32}-/);
  });

  it('gives every message its own ids, also across refills of its random pool', () => {
    // A pool of 4 KiB serves about 170 new traces: these span a few dozen refills.
    const ids = Array.from({ length: 5000 }, () => traceparent().split('-'));
    expect(new Set(ids.map(([, trace]) => trace)).size).toBe(5000);
    expect(new Set(ids.map(([, , span]) => span)).size).toBe(5000);
    for (const [, trace, span] of ids) {
      expect(trace).toMatch(/^[0-9a-f]{32}$/);
      expect(span).toMatch(/^[0-9a-f]{16}$/);
    }
  });
});
