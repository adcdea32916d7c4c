// Which notifications one event causes: every subscription whose trigger
// holds for the app as of the event. Pure; the outbox decides with the
// trigger state in Redis which of them are new.
import { createHash } from 'node:crypto';
import { holds } from './expr.js';
import type { NotifyConfig } from './config.js';
import type { Subscription } from './subscriptions.js';

/** The data triggers and templates see: `app`, `event`, `context` (and `serviceType`, `recipient` when rendering). */
export type NotifyEnv = Readonly<Record<string, unknown>>;

/** One trigger condition judged for one destination. */
export interface Candidate {
  readonly subscription: Subscription;
  readonly condition: number;
  readonly holds: boolean;
  /** The `oncePer` value; absent when the condition has none (then it fires when it turns true). */
  readonly oncePer?: string;
  /** The condition has an `oncePer`: its records are never cleared. */
  readonly hasOncePer: boolean;
  readonly templates: readonly string[];
}

/** A subscription that cannot be judged (unknown trigger, an expression that fails), with why. */
export interface Skipped {
  readonly subscription: Subscription;
  readonly reason: string;
}

/** Judges every subscription's trigger conditions against `env`. */
export function judge(
  config: NotifyConfig,
  subscriptions: readonly Subscription[],
  env: NotifyEnv,
): { candidates: Candidate[]; skipped: Skipped[] } {
  const candidates: Candidate[] = [];
  const skipped: Skipped[] = [];
  for (const s of subscriptions) {
    const conditions = config.triggers.get(s.trigger);
    if (!conditions) {
      skipped.push({
        subscription: s,
        reason: `trigger ${JSON.stringify(s.trigger)} is not defined`,
      });
      continue;
    }
    conditions.forEach((c, i) => {
      try {
        const ok = holds(c.whenExpr, env);
        const once = ok && c.oncePerExpr ? c.oncePerExpr(env) : undefined;
        candidates.push({
          subscription: s,
          condition: i,
          holds: ok,
          hasOncePer: Boolean(c.oncePerExpr),
          ...(once !== undefined && once !== null && once !== '' ? { oncePer: String(once) } : {}),
          templates: c.send,
        });
      } catch (err) {
        skipped.push({ subscription: s, reason: `${s.trigger}[${i}]: ${(err as Error).message}` });
      }
    });
  }
  return { candidates, skipped };
}

/** The trigger-state key of a candidate within its app (Argo CD keeps the same in an annotation). */
export function stateKey(c: Candidate): string {
  const s = c.subscription;
  return [s.trigger, c.condition, c.oncePer ?? '', s.service, s.recipient].join('\u0000');
}

/**
 * The id of the notification one event causes for one candidate: the same on
 * every delivery of the event, sent with it (`X-Flotilla-Delivery`, the mail's
 * Message-ID) so a receiver can drop a repeat.
 */
export function notificationId(eventId: string, c: Candidate): string {
  return createHash('sha256')
    .update(`${eventId}\u0000${stateKey(c)}`)
    .digest('hex')
    .slice(0, 32);
}
