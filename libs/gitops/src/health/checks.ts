// What the built-in health checks share beyond reading the object: status
// conditions, Go's quoting, and results shaped the way Go's JSON leaves them.
import type { HealthStatusCode } from '@flotilla/api';
import { list, part, record, text, type KubeObject } from '../resource/index.js';
import type { HealthResult } from './types.js';

/** A status condition with its string fields; absent fields read as ''. */
export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

/** The well-formed entries of a `conditions` list. */
export function conditionsOf(value: unknown): readonly Condition[] {
  const out: Condition[] = [];
  for (const item of list(value)) {
    const c = record(item);
    if (!c) continue;
    out.push({
      type: text(c['type']),
      status: text(c['status']),
      reason: text(c['reason']),
      message: text(c['message']),
    });
  }
  return out;
}

/** The first condition of a type in `status.conditions`. */
export function findCondition(obj: KubeObject, type: string): Condition | undefined {
  return conditionsOf(part(obj, 'status')['conditions']).find((c) => c.type === type);
}

/** Go's `%q` for the names and messages checks quote. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** A result, leaving out an empty message the way Go's `omitempty` does. */
export function health(status: HealthStatusCode, message?: string): HealthResult {
  return message ? { status, message } : { status };
}
