// Self-heal pacing. **Flotilla:** the documented backoff (2 s, ×3, capped at
// 300 s) is always on; Argo CD ships it behind controller flags.

/** Self-heal backoff: first wait 2 s, each further wait ×3, never more than 300 s. */
export const SELF_HEAL_BACKOFF = { initialMs: 2_000, factor: 3, capMs: 300_000 } as const;

/**
 * The wait before the next self-heal after `attempts` self-heal syncs of the
 * same revision: none for the first, then 2 s, 6 s, 18 s, … capped at 300 s.
 */
export function selfHealDelayMs(attempts: number): number {
  if (attempts <= 0) return 0;
  const { initialMs, factor, capMs } = SELF_HEAL_BACKOFF;
  return Math.min(capMs, initialMs * Math.pow(factor, attempts - 1));
}

/**
 * Milliseconds left before a self-heal may start, measured from the end of the
 * last operation; the whole delay when that operation has not finished. Zero or
 * less means now.
 */
export function selfHealRemainingMs(
  attempts: number,
  lastFinishedAt: Date | undefined,
  now: Date,
): number {
  const delay = selfHealDelayMs(attempts);
  if (!lastFinishedAt) return delay;
  return delay - (now.getTime() - lastFinishedAt.getTime());
}
