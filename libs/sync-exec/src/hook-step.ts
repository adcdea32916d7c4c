// The decisions of running one hook, kept apart from the I/O so they can be
// read and tested on their own: when its time is up, and what its state means.
import { formatGoDuration, hookPhaseFromHealth, type HealthResult } from '@flotilla/gitops';

/** What to do with a running hook after looking at it. */
export type HookStep =
  | {
      readonly kind: 'finished';
      readonly phase: 'Succeeded' | 'Failed';
      readonly message: string;
      /** True when the hook is no longer there (no log to read). */
      readonly gone?: boolean;
    }
  | { readonly kind: 'timed-out'; readonly message: string }
  | { readonly kind: 'wait' };

/**
 * When a hook must have finished: `timeoutMs` after it was created, so a
 * redelivered command does not restart the clock. An unreadable creation time
 * counts from `nowMs`; no timeout means no deadline.
 */
export function hookDeadline(
  creationTimestamp: unknown,
  timeoutMs: number | undefined,
  nowMs: number,
): number | undefined {
  const createdAt = Date.parse(String(creationTimestamp)) || nowMs;
  return timeoutMs === undefined ? undefined : createdAt + timeoutMs;
}

/** What a look at a hook tells; `health` is undefined for a kind without a check. */
export interface HookLook {
  readonly name: string;
  /** False once the hook is gone, e.g. deleted by `ttlSecondsAfterFinished: 0`. */
  readonly exists: boolean;
  readonly health: HealthResult | undefined;
  readonly deadline: number | undefined;
  readonly timeoutMs: number | undefined;
  readonly nowMs: number;
}

/**
 * A gone hook has finished; a Succeeded, Failed or Error phase ends it; past
 * its deadline it has timed out; otherwise wait for its next change. A finish
 * seen after the deadline still counts as that finish.
 */
export function nextHookStep(look: HookLook): HookStep {
  if (!look.exists) {
    return {
      kind: 'finished',
      phase: 'Succeeded',
      message: `${look.name} finished and was deleted`,
      gone: true,
    };
  }
  const { phase, message } = hookPhaseFromHealth(look.health, look.name);
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Error') {
    return { kind: 'finished', phase: phase === 'Succeeded' ? 'Succeeded' : 'Failed', message };
  }
  if (look.deadline !== undefined && look.nowMs > look.deadline) {
    return {
      kind: 'timed-out',
      message: `hook did not complete within ${formatGoDuration(look.timeoutMs ?? 0)}`,
    };
  }
  return { kind: 'wait' };
}
