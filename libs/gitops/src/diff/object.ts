// Plain-JSON helpers shared by the diff: type guards, deep equality and
// typed access to the parts of metadata the diff reads.
import type { DiffObject } from './types.js';

/** A JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of JSON values; key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** A deep copy through JSON: drops undefined, functions and prototypes. */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** `metadata`, or undefined when missing or malformed. */
export function metadataOf(obj: DiffObject): Record<string, unknown> | undefined {
  const meta = obj['metadata'];
  return isPlainObject(meta) ? meta : undefined;
}

/** A string field of `metadata`, or '' when absent. */
export function metaString(obj: DiffObject, field: 'name' | 'namespace'): string {
  const value = metadataOf(obj)?.[field];
  return typeof value === 'string' ? value : '';
}

/** The annotations whose values are strings. */
export function annotationsOf(obj: DiffObject): Readonly<Record<string, string>> {
  const ann = metadataOf(obj)?.['annotations'];
  if (!isPlainObject(ann)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ann)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The API group of an object: the part of `apiVersion` before the slash, '' for core. */
export function groupOf(obj: DiffObject): string {
  const apiVersion = obj['apiVersion'];
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The kind of an object, or '' when absent. */
export function kindOf(obj: DiffObject): string {
  const kind = obj['kind'];
  return typeof kind === 'string' ? kind : '';
}

/** True for a core-group Secret. */
export function isSecret(obj: DiffObject): boolean {
  return groupOf(obj) === '' && kindOf(obj) === 'Secret';
}

/** Sets one annotation, creating metadata and annotations as needed. */
export function setAnnotation(obj: DiffObject, name: string, value: string): void {
  const meta = metadataOf(obj) ?? {};
  obj['metadata'] = meta;
  const ann = isPlainObject(meta['annotations']) ? meta['annotations'] : {};
  meta['annotations'] = ann;
  ann[name] = value;
}

/** A comma-separated annotation value as trimmed, non-empty items. */
export function splitOptions(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
