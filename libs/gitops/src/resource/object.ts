// Typed reads of the parts of a Kubernetes object that diff, health and sync
// planning share: identity, metadata and annotations. Plain JSON in; only
// `setAnnotation` changes its input.
import { isRecord, record, text } from './json.js';

/** A Kubernetes object as plain JSON: a rendered manifest or a live object. */
export type KubeObject = Readonly<Record<string, unknown>>;

/** The API group ('' for core) and kind of an object. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** `spec`, `status` or `metadata` of an object, empty when absent or malformed. */
export function part(
  obj: KubeObject,
  name: 'spec' | 'status' | 'metadata',
): Readonly<Record<string, unknown>> {
  return record(obj[name]) ?? {};
}

/** `metadata`, or an empty object when missing or malformed. */
export function metadataOf(obj: KubeObject): Readonly<Record<string, unknown>> {
  return part(obj, 'metadata');
}

/** A string field of `metadata`, or '' when absent. */
export function metaString(obj: KubeObject, field: 'name' | 'namespace' | 'generateName'): string {
  return text(metadataOf(obj)[field]);
}

/** The `metadata.name` of an object. */
export function nameOf(obj: KubeObject): string {
  return metaString(obj, 'name');
}

/** The annotations whose values are strings. */
export function annotationsOf(obj: KubeObject): Readonly<Record<string, string>> {
  const ann = record(metadataOf(obj)['annotations']);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ann ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The kind, or '' when absent. */
export function kindOf(obj: KubeObject): string {
  return text(obj['kind']);
}

/** The API group: the part of `apiVersion` before the slash, '' for the core group. */
export function groupOf(obj: KubeObject): string {
  const apiVersion = text(obj['apiVersion']);
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The API version: the part of `apiVersion` after the slash. */
export function versionOf(obj: KubeObject): string {
  const apiVersion = text(obj['apiVersion']);
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

/** Group and kind from `apiVersion` and `kind`. */
export function groupKindOf(obj: KubeObject): GroupKind {
  return { group: groupOf(obj), kind: kindOf(obj) };
}

/** True for a core-group Secret. */
export function isSecret(obj: KubeObject): boolean {
  return groupOf(obj) === '' && kindOf(obj) === 'Secret';
}

/** A copy of `obj` with some `metadata` fields replaced; the input is left alone. */
export function withMetadata(obj: KubeObject, fields: Record<string, unknown>): KubeObject {
  return { ...obj, metadata: { ...metadataOf(obj), ...fields } };
}

/** Sets one annotation in place, creating metadata and annotations as needed. */
export function setAnnotation(obj: Record<string, unknown>, name: string, value: string): void {
  const meta = isRecord(obj['metadata']) ? obj['metadata'] : {};
  obj['metadata'] = meta;
  const ann = isRecord(meta['annotations']) ? meta['annotations'] : {};
  meta['annotations'] = ann;
  ann[name] = value;
}
