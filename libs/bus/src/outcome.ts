import { isStalling, isWaiting } from './errors.js';

/** What a handler says should happen to its message. */
export type Outcome =
  /** Done: acknowledge. */
  | { readonly kind: 'done' }
  /** Not yet: redeliver after the delay; never dead-lettered. */
  | { readonly kind: 'wait'; readonly delayMs: number; readonly reason: string }
  /** Never will: terminate; the handler records why (a condition on the app). */
  | { readonly kind: 'stall'; readonly reason: string }
  /**
   * Failed: retry with backoff; dead-lettered after the delivery limit. `failures`,
   * when the handler counts them, is how many deliveries of the message failed so
   * far (this one included), so deliveries that waited count neither towards the
   * limit nor the backoff; the delivery count otherwise.
   */
  | { readonly kind: 'retry'; readonly error: string; readonly failures?: number };

/** Outcome constructors. */
export const Outcomes = {
  done: { kind: 'done' } as Outcome,
  wait: (delayMs: number, reason: string): Outcome => ({ kind: 'wait', delayMs, reason }),
  stall: (reason: string): Outcome => ({ kind: 'stall', reason }),
  retry: (error: string, failures?: number): Outcome =>
    failures === undefined ? { kind: 'retry', error } : { kind: 'retry', error, failures },
};

/** Maps what a handler threw to an outcome. */
export function outcomeOfError(err: unknown): Outcome {
  if (isWaiting(err)) return Outcomes.wait(err.delayMs, err.message);
  if (isStalling(err)) return Outcomes.stall(err.message);
  return Outcomes.retry(err instanceof Error ? err.message : String(err));
}

/** Retry backoff settings. */
export interface Backoff {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

/** Delay before delivery `deliveryCount + 1` after a failure, with ±20% jitter. */
export function backoffDelay(
  deliveryCount: number,
  b: Backoff,
  random: () => number = Math.random,
): number {
  const raw = Math.min(b.maxMs, b.initialMs * b.factor ** Math.max(0, deliveryCount - 1));
  return Math.round(raw * (0.8 + 0.4 * random()));
}
