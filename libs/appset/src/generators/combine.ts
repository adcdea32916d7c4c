import { goString, isObject, type Params } from '../params.js';

/** Go's mergo "empty value": what mergo.WithOverride never copies over a value. */
function isEmpty(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === '' ||
    v === 0 ||
    v === false ||
    (Array.isArray(v) && v.length === 0) ||
    (isObject(v) && Object.keys(v).length === 0)
  );
}

/**
 * mergo.Merge(dst, src, WithOverride) over JSON maps: nested maps merge key
 * by key, any other non-empty value of `src` replaces `dst`'s.
 */
export function mergeOverride(dst: Params, src: Params): Params {
  const out: Params = { ...dst };
  for (const [k, v] of Object.entries(src)) {
    const cur = out[k];
    if (isObject(cur) && isObject(v)) out[k] = mergeOverride(cur, v);
    else if (!isEmpty(v) || cur === undefined) out[k] = v;
  }
  return out;
}

/**
 * Argo CD's CombineStringMaps: both sets as strings; the same key with two
 * different values is an error.
 */
export function combineStringMaps(a: Params, b: Params): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(a)) out[k] = goString(v);
  for (const [k, v] of Object.entries(b)) {
    const s = goString(v);
    if (k in out && out[k] !== s)
      throw new Error(
        `found duplicate key ${k} with different value, a: ${String(out[k])} ,b: ${s}`,
      );
    out[k] = s;
  }
  return out;
}

/** Argo CD's merge generator key: the merge keys' values, as Go's json.Marshal of a map writes them. */
export function mergeKeyOf(mergeKeys: readonly string[], set: Params): string {
  const keys = [...new Set(mergeKeys)].sort();
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, set[k] ?? null])));
}

/**
 * The merge generator: the first generator's sets, each with the matching
 * set (same merge-key values) of every later generator merged over it.
 * Sets that are not unique by their merge keys are an error.
 */
export function mergeParamSets(
  mergeKeys: readonly string[],
  sets: readonly Params[][],
  goTemplate: boolean,
): Params[] {
  if (mergeKeys.length === 0)
    throw new Error('no merge keys were specified, Merge requires at least one');
  const index = (list: readonly Params[]) => {
    const m = new Map<string, Params>();
    for (const p of list) {
      const k = mergeKeyOf(mergeKeys, p);
      if (m.has(k))
        throw new Error(
          `the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was ${k}`,
        );
      m.set(k, p);
    }
    return m;
  };
  const base = index(sets[0] ?? []);
  for (const list of sets.slice(1)) {
    const over = index(list);
    for (const [k, p] of base) {
      const o = over.get(k);
      if (o) base.set(k, goTemplate ? mergeOverride(p, o) : { ...p, ...o });
    }
  }
  return [...base.values()];
}
