// Retrying failed syncs: the strategy's defaults, the backoff, and the limit.
import { describe, expect, it } from 'vitest';
import {
  AUTOMATED_RETRY_LIMIT,
  canRetry,
  compileRetryStrategy,
  decideRetry,
  formatGoDuration,
  isSyncOptionsError,
  parseGoDuration,
  parseSecondsOrDuration,
  retryDelayMs,
} from '../../src/sync/index.js';

describe('durations', () => {
  it.each([
    ['5s', 5_000],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['-1m', -60_000],
    ['0', 0],
    ['5', undefined],
    ['5 s', undefined],
    ['s', undefined],
    ['', undefined],
    ['1d', undefined],
  ])('Go duration %j is %s ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each([
    ['5', 5_000],
    ['30s', 30_000],
    ['3m', 180_000],
    ['soon', undefined],
  ])('backoff field %j is %s ms', (text, ms) => {
    expect(parseSecondsOrDuration(text)).toBe(ms);
  });

  it.each([
    [0, '0s'],
    [300, '300ms'],
    [5_000, '5s'],
    [2_500, '2.5s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
  ])('%i ms prints as %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

describe('retry strategy', () => {
  it.each([
    [
      'no strategy, automated',
      undefined,
      true,
      { limit: 5, durationMs: 5_000, factor: 2, maxDurationMs: 180_000 },
    ],
    [
      'no strategy, manual',
      undefined,
      false,
      { limit: 0, durationMs: 5_000, factor: 2, maxDurationMs: 180_000 },
    ],
    [
      'a strategy without limit',
      { backoff: { duration: '10s' } },
      true,
      { limit: 0, durationMs: 10_000 },
    ],
    [
      'seconds as a number',
      { limit: 3, backoff: { duration: '7', maxDuration: '60' } },
      false,
      { durationMs: 7_000, maxDurationMs: 60_000 },
    ],
    ['a factor', { limit: -1, backoff: { factor: 3 } }, false, { limit: -1, factor: 3 }],
  ])('%s', (_, retry, automated, expected) => {
    expect(compileRetryStrategy(retry, automated)).toMatchObject(expected);
  });

  it('has the automated default limit of Argo CD', () => {
    expect(AUTOMATED_RETRY_LIMIT).toBe(5);
  });

  it('rejects an unreadable backoff duration', () => {
    let error: unknown;
    try {
      compileRetryStrategy({ limit: 1, backoff: { duration: 'soon' } }, false);
    } catch (err) {
      error = err;
    }
    expect(isSyncOptionsError(error)).toBe(true);
    expect(error).toMatchObject({
      field: 'retry.backoff.duration',
      message: 'unable to parse soon as a duration',
    });
  });

  it.each([
    [0, 5_000],
    [1, 10_000],
    [2, 20_000],
    [5, 160_000],
    [6, 180_000],
    [10, 180_000],
  ])('retry #%i waits %i ms by default', (count, ms) => {
    expect(retryDelayMs(compileRetryStrategy(undefined, true), count)).toBe(ms);
  });

  it('does not cap the wait when maxDuration is 0', () => {
    const strategy = compileRetryStrategy(
      { limit: -1, backoff: { duration: '1m', maxDuration: '0' } },
      false,
    );
    expect(retryDelayMs(strategy, 10)).toBe(60_000 * 1024);
  });

  it.each([
    [5, 4, true],
    [5, 5, false],
    [0, 0, false],
    [-1, 1000, true],
  ])('limit %i after %i retries may retry: %s', (limit, count, allowed) => {
    expect(canRetry({ limit, durationMs: 1, factor: 2, maxDurationMs: 0 }, count)).toBe(allowed);
  });
});

describe('retry decisions', () => {
  const strategy = compileRetryStrategy({ limit: 2 }, false);
  const failedAt = new Date('2024-05-01T12:00:00Z');

  it('retries with a message that says when', () => {
    expect(decideRetry({ strategy, retryCount: 1, message: 'sync failed', failedAt })).toEqual({
      retry: true,
      retryCount: 2,
      retryAt: new Date('2024-05-01T12:00:10Z'),
      message: 'sync failed. Retrying attempt #2 at 2024-05-01T12:00:10.000Z.',
    });
  });

  it('gives up past the limit and says how often it tried', () => {
    expect(decideRetry({ strategy, retryCount: 2, message: 'sync failed', failedAt })).toEqual({
      retry: false,
      message: 'sync failed (retried 2 times).',
    });
  });

  it('never retries a terminated operation', () => {
    expect(
      decideRetry({
        strategy,
        retryCount: 0,
        message: 'Operation terminated',
        failedAt,
        terminated: true,
      }),
    ).toEqual({
      retry: false,
      message: 'Operation terminated',
    });
  });
});
