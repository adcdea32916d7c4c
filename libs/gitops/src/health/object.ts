// Reading unstructured objects the way Go's typed conversion does: an absent or
// mistyped field reads as its zero value, so checks stay free of null tests.
import type { HealthStatusCode } from '@flotilla/api';
import type { HealthGroupKind, HealthObject, HealthResult } from './types.js';

/** A JSON object, or undefined for anything else. */
export function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A JSON array, or an empty one for anything else. */
export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The JSON objects in a JSON array; anything else in it is skipped. */
export function records(value: unknown): ReadonlyArray<Readonly<Record<string, unknown>>> {
  return list(value).flatMap((item) => {
    const r = record(item);
    return r ? [r] : [];
  });
}

/** A string, or '' for anything else. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A number, or undefined for anything else. */
export function optNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A number, or 0 for anything else. */
export function num(value: unknown): number {
  return optNumber(value) ?? 0;
}

/** `spec`, `status` or `metadata` of an object, empty when absent. */
export function part(
  obj: HealthObject,
  name: 'spec' | 'status' | 'metadata',
): Readonly<Record<string, unknown>> {
  return record(obj[name]) ?? {};
}

/** The `metadata.name` of an object. */
export function nameOf(obj: HealthObject): string {
  return text(part(obj, 'metadata')['name']);
}

/** The string-valued annotations of an object. */
export function annotationsOf(obj: HealthObject): Readonly<Record<string, string>> {
  const ann = record(part(obj, 'metadata')['annotations']);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ann ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Group and kind from `apiVersion` and `kind`; the group is '' for core. */
export function groupKindOf(obj: HealthObject): HealthGroupKind {
  const apiVersion = text(obj['apiVersion']);
  const slash = apiVersion.indexOf('/');
  return { group: slash < 0 ? '' : apiVersion.slice(0, slash), kind: text(obj['kind']) };
}

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
export function findCondition(obj: HealthObject, type: string): Condition | undefined {
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
