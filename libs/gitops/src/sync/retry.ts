// Retrying a failed sync: `syncPolicy.retry { limit, backoff { duration,
// factor, maxDuration } }`, read and applied as Argo CD does.
import type { RetryStrategy } from '@flotilla/api';
import { parseSecondsOrDuration } from './duration.js';
import { SyncOptionsError } from './errors.js';

/** Retries an automated sync gets when the app sets no `retry`. */
export const AUTOMATED_RETRY_LIMIT = 5;
/** Backoff defaults: 5 s, doubling, at most 3 minutes. */
export const DEFAULT_RETRY_BACKOFF = {
  durationMs: 5_000,
  factor: 2,
  maxDurationMs: 180_000,
} as const;

/** A retry strategy with its defaults applied and durations in milliseconds. */
export interface CompiledRetryStrategy {
  /** Most retries; 0 means none, negative means no limit. */
  readonly limit: number;
  readonly durationMs: number;
  readonly factor: number;
  /** Cap on one wait; 0 means no cap. */
  readonly maxDurationMs: number;
}

/**
 * Reads a retry strategy. Without one, an automated sync retries
 * {@link AUTOMATED_RETRY_LIMIT} times and a manual one not at all; a strategy
 * without `limit` means 0, as in Argo CD. Throws {@link SyncOptionsError} for
 * an unreadable duration.
 */
export function compileRetryStrategy(
  retry: RetryStrategy | undefined,
  automated: boolean,
): CompiledRetryStrategy {
  if (!retry) return { limit: automated ? AUTOMATED_RETRY_LIMIT : 0, ...DEFAULT_RETRY_BACKOFF };
  const backoff = retry.backoff ?? {};
  return {
    limit: retry.limit ?? 0,
    durationMs: duration(backoff.duration, DEFAULT_RETRY_BACKOFF.durationMs, 'duration'),
    factor: backoff.factor ?? DEFAULT_RETRY_BACKOFF.factor,
    maxDurationMs: duration(
      backoff.maxDuration,
      DEFAULT_RETRY_BACKOFF.maxDurationMs,
      'maxDuration',
    ),
  };
}

function duration(text: string | undefined, fallback: number, field: string): number {
  if (text === undefined || text === '') return fallback;
  const ms = parseSecondsOrDuration(text);
  if (ms === undefined) {
    throw new SyncOptionsError(`unable to parse ${text} as a duration`, `retry.backoff.${field}`);
  }
  return ms;
}

/** True when a failed operation with `retryCount` retries so far may retry again. */
export function canRetry(strategy: CompiledRetryStrategy, retryCount: number): boolean {
  return strategy.limit < 0 || retryCount < strategy.limit;
}

/**
 * The wait before the next retry: duration × factor^retryCount, capped at
 * maxDuration, so the first retry waits `duration`.
 */
export function retryDelayMs(strategy: CompiledRetryStrategy, retryCount: number): number {
  const wait = strategy.durationMs * Math.pow(strategy.factor, retryCount);
  return strategy.maxDurationMs > 0 ? Math.min(strategy.maxDurationMs, wait) : wait;
}

/** What to do with an operation that just failed. */
export type RetryDecision =
  | {
      readonly retry: true;
      /** The retry count after this retry (retryCount + 1). */
      readonly retryCount: number;
      readonly retryAt: Date;
      readonly message: string;
    }
  | { readonly retry: false; readonly message: string };

/**
 * Decides whether a failed operation is retried, as Argo CD's controller
 * does: not when it was terminated, and not past the limit. The message gains
 * "Retrying attempt #n at <time>." or "(retried n times).".
 */
export function decideRetry(input: {
  readonly strategy: CompiledRetryStrategy;
  readonly retryCount: number;
  readonly message: string;
  readonly failedAt: Date;
  readonly terminated?: boolean;
}): RetryDecision {
  const { strategy, retryCount, message, failedAt } = input;
  if (!input.terminated && canRetry(strategy, retryCount)) {
    const retryAt = new Date(failedAt.getTime() + retryDelayMs(strategy, retryCount));
    const next = retryCount + 1;
    return {
      retry: true,
      retryCount: next,
      retryAt,
      message: `${message}. Retrying attempt #${next} at ${retryAt.toISOString()}.`,
    };
  }
  return {
    retry: false,
    message: retryCount > 0 ? `${message} (retried ${retryCount} times).` : message,
  };
}
