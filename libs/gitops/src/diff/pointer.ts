// RFC 6901 JSON pointers: the one way the diff names a field, in
// changedPaths, in ignoreDifferences and in drift events.
import { isRecord } from '../resource/index.js';

/** One step of a path: an object key or an array index. */
export type PathSegment = string | number;

/** Escapes one segment: `~` → `~0`, `/` → `~1`. */
function escape(segment: PathSegment): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The pointer of a path: `['spec', 'containers', 0]` → `/spec/containers/0`. */
export function toPointer(path: readonly PathSegment[]): string {
  return path.map((s) => `/${escape(s)}`).join('');
}

/** The segments of a pointer, or undefined when it is not a pointer (no leading `/`). */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The index an array segment names, or undefined when it names none. */
function arrayIndex(list: readonly unknown[], segment: PathSegment): number | undefined {
  const text = String(segment);
  if (!/^(0|[1-9][0-9]*)$/.test(text)) return undefined;
  const index = Number(text);
  return index < list.length ? index : undefined;
}

/** The value at a path, or undefined when the path does not resolve. */
export function getAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (Array.isArray(node)) {
      const index = arrayIndex(node, segment);
      if (index === undefined) return undefined;
      node = node[index];
    } else if (isRecord(node) && Object.hasOwn(node, String(segment))) {
      node = node[String(segment)];
    } else {
      return undefined;
    }
  }
  return node;
}

/** True when the path resolves in `root`. */
export function hasAt(root: unknown, path: readonly PathSegment[]): boolean {
  if (path.length === 0) return true;
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1] as PathSegment;
  if (Array.isArray(parent)) return arrayIndex(parent, last) !== undefined;
  return isRecord(parent) && Object.hasOwn(parent, String(last));
}

/**
 * Removes the field at a path, in place. A path that does not resolve is left
 * alone, as JSON Patch `remove` would be skipped by Argo CD. Returns whether
 * something was removed. The root cannot be removed.
 */
export function removeAt(root: unknown, path: readonly PathSegment[]): boolean {
  if (path.length === 0) return false;
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1] as PathSegment;
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last);
    if (index === undefined) return false;
    parent.splice(index, 1);
    return true;
  }
  if (isRecord(parent) && Object.hasOwn(parent, String(last))) {
    delete parent[String(last)];
    return true;
  }
  return false;
}
