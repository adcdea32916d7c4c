// The structural comparison, used when no server-side dry run is possible:
// desired is laid over live the way an apply would leave it, so fields that
// only live has (defaults, fields other managers own) stay as they are and do
// not show as drift. The result is then compared with live.
import { cloneJson, isRecord, jsonEqual } from '../resource/index.js';
import type { PathSegment } from './pointer.js';
import { isQuantityField, quantityEqual } from './quantity.js';

// Fields that identify items of Kubernetes' merged lists (containers, env,
// volumes, volumeMounts, ports, hostAliases...), tried in this order.
const MERGE_KEYS = ['name', 'mountPath', 'devicePath', 'containerPort', 'port', 'ip'] as const;

/**
 * The live object as applying `desired` would leave it: every field desired
 * sets is taken from desired; fields only live has are kept. A desired null is
 * "not set"; an empty map or list where live has nothing is the same as
 * nothing (the API server drops them). Quantities equal in value keep live's
 * spelling. Lists whose items carry a unique merge key (`name`, `mountPath`,
 * ...) are merged item by item and keep live's order and live-only items
 * (a webhook's sidecar); other lists are merged by position when the lengths
 * agree and replaced otherwise.
 */
export function mergeDesiredIntoLive(desired: unknown, live: unknown): unknown {
  // The result shares no structure with either input, so it can be edited.
  return merge(cloneJson(desired), cloneJson(live), []);
}

function merge(desired: unknown, live: unknown, path: PathSegment[]): unknown {
  if (desired === null || desired === undefined) return live;
  if (isRecord(desired)) {
    if (!isRecord(live)) return stripNulls(desired);
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(desired)) {
      if (v === null || (isEmpty(v) && !Object.hasOwn(live, k))) continue;
      out[k] = merge(v, live[k], [...path, k]);
    }
    return out;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return stripNulls(desired);
    return mergeList(desired, live, path);
  }
  if (jsonEqual(desired, live)) return live;
  if (isQuantityField(path) && quantityEqual(desired, live)) return live;
  return desired;
}

function mergeList(desired: unknown[], live: unknown[], path: PathSegment[]): unknown[] {
  const key = mergeKeyOf(desired, live);
  if (key === undefined) {
    if (desired.length !== live.length) return stripNulls(desired) as unknown[];
    return desired.map((item, i) => merge(item, live[i], [...path, i]));
  }
  const wanted = new Map(desired.map((item) => [keyValue(item, key), item]));
  const out = live.map((item, i) => {
    const k = keyValue(item, key);
    const d = wanted.get(k);
    if (d === undefined) return item;
    wanted.delete(k);
    return merge(d, item, [...path, i]);
  });
  for (const item of wanted.values()) out.push(stripNulls(item));
  return out;
}

function keyValue(item: unknown, key: string): string {
  return JSON.stringify(isRecord(item) ? item[key] : undefined);
}

// A key qualifies when every item on both sides is an object with a scalar
// value for it, unique on each side.
function mergeKeyOf(desired: unknown[], live: unknown[]): string | undefined {
  if (desired.length === 0) return undefined;
  return MERGE_KEYS.find((key) => uniqueScalarKey(desired, key) && uniqueScalarKey(live, key));
}

function uniqueScalarKey(items: unknown[], key: string): boolean {
  const seen = new Set<string>();
  for (const item of items) {
    if (!isRecord(item)) return false;
    const v = item[key];
    if (typeof v !== 'string' && typeof v !== 'number') return false;
    const text = JSON.stringify(v);
    if (seen.has(text)) return false;
    seen.add(text);
  }
  return true;
}

function isEmpty(value: unknown): boolean {
  return (
    (Array.isArray(value) && value.length === 0) ||
    (isRecord(value) && Object.keys(value).length === 0)
  );
}

/** A copy without null map values, which an apply would not write. */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = stripNulls(v);
  return out;
}
