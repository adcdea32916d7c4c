// Typed reads of the parts of a Kubernetes object that sync planning needs.
// Plain JSON in; nothing here mutates its input.

/** A Kubernetes object as plain JSON: a rendered manifest or a live object. */
export type SyncObject = Readonly<Record<string, unknown>>;

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `metadata`, or an empty object when missing or malformed. */
export function metadataOf(obj: SyncObject): Readonly<Record<string, unknown>> {
  const meta = obj['metadata'];
  return isRecord(meta) ? meta : {};
}

/** A string field of `metadata`, or '' when absent. */
export function metaString(obj: SyncObject, field: 'name' | 'namespace' | 'generateName'): string {
  const value = metadataOf(obj)[field];
  return typeof value === 'string' ? value : '';
}

/** The annotations whose values are strings. */
export function annotationsOf(obj: SyncObject): Readonly<Record<string, string>> {
  const ann = metadataOf(obj)['annotations'];
  if (!isRecord(ann)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ann)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The kind, or '' when absent. */
export function kindOf(obj: SyncObject): string {
  const kind = obj['kind'];
  return typeof kind === 'string' ? kind : '';
}

/** The API group: the part of `apiVersion` before the slash, '' for the core group. */
export function groupOf(obj: SyncObject): string {
  const apiVersion = obj['apiVersion'];
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The API version: the part of `apiVersion` after the slash. */
export function versionOf(obj: SyncObject): string {
  const apiVersion = obj['apiVersion'];
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

/** A nested string such as `spec.names.kind`, or undefined. */
export function nestedString(obj: SyncObject, ...path: string[]): string | undefined {
  let cur: unknown = obj;
  for (const part of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return typeof cur === 'string' ? cur : undefined;
}

/** A copy of `obj` with some `metadata` fields replaced; the input is left alone. */
export function withMetadata(obj: SyncObject, fields: Record<string, unknown>): SyncObject {
  return { ...obj, metadata: { ...metadataOf(obj), ...fields } };
}

/** Structural equality of JSON values; key order does not matter. */
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
