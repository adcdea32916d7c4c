import { createHash } from 'node:crypto';
import { ScmError, ScmErrorKind } from '../errors.js';

/** Seconds waited after a rate limit whose answer says nothing about how long. */
export const DEFAULT_RATE_LIMIT_WAIT_SECONDS = 60;
/** Longest wait honoured: a reset further away than this is tried again after it. */
export const MAX_RATE_LIMIT_WAIT_SECONDS = 3600;

interface Hold {
  /** Epoch milliseconds the wait ends. */
  readonly until: number;
  readonly error: ScmError;
}

/**
 * The rate limits providers have answered with, per API origin and
 * credentials (a token's limit is not another token's): while one lasts,
 * every request that would go there fails at once with the same error,
 * and nothing is sent. One instance serves a whole controller, so every
 * set reading with that token waits.
 */
export class ScmRateLimits {
  private readonly holds = new Map<string, Hold>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The key of a request: its origin and a digest of the credentials it sends. */
  key(url: URL, secrets: readonly string[]): string {
    const who = createHash('sha256').update(secrets.join('\0')).digest('hex').slice(0, 32);
    return `${url.origin} ${who}`;
  }

  /**
   * Throws the error the limit was answered with, its wait counted down,
   * while the limit lasts.
   */
  check(key: string): void {
    const hold = this.holds.get(key);
    if (!hold) return;
    const left = hold.until - this.now();
    if (left <= 0) {
      this.holds.delete(key);
      return;
    }
    const e = hold.error;
    throw new ScmError(ScmErrorKind.RateLimited, e.message, e.status, Math.ceil(left / 1000), {
      cause: e,
    });
  }

  /** Records a rate-limit answer: nothing goes to `key` for the wait it gives. */
  hold(key: string, error: ScmError): void {
    const now = this.now();
    // Limits that are over and were never checked again go now.
    for (const [k, h] of this.holds) if (h.until <= now) this.holds.delete(k);
    const secs = error.retryAfterSeconds ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS;
    this.holds.set(key, { until: now + secs * 1000, error });
  }

  /** How many keys are waiting (for tests and metrics). */
  get size(): number {
    return this.holds.size;
  }
}

/**
 * Seconds until a rate limit that failed this generator run lifts, found
 * in the error or its causes; undefined when it failed otherwise.
 */
export function rateLimitWait(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 10; depth++) {
    if (e instanceof ScmError && e.kind === ScmErrorKind.RateLimited)
      return e.retryAfterSeconds ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
