// Reading plain JSON the way Go's typed conversion does: an absent or
// mistyped value reads as its zero value, so callers stay free of null tests.

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object, or undefined for anything else. */
export function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return isRecord(value) ? value : undefined;
}

/** A JSON array, or an empty one for anything else. */
export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The JSON objects in a JSON array; anything else in it is skipped. */
export function records(value: unknown): ReadonlyArray<Readonly<Record<string, unknown>>> {
  return list(value).filter(isRecord);
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

/** A nested string such as `spec.names.kind`, or undefined. */
export function nestedString(value: unknown, ...path: string[]): string | undefined {
  let cur: unknown = value;
  for (const part of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return typeof cur === 'string' ? cur : undefined;
}

/**
 * Structural equality of JSON values: key order does not matter, and a key
 * holding undefined counts as absent, as it does once serialised.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === otherKeys.length && keys.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/** A deep copy through JSON: drops undefined, functions and prototypes. */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
