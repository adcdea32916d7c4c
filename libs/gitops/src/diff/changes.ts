// Which fields differ between two objects, as JSON pointers.
import { isRecord, jsonEqual } from '../resource/index.js';
import { toPointer, type PathSegment } from './pointer.js';

/**
 * Pointers of the fields that differ between `a` and `b`: a field present on
 * one side only, or a scalar that differs. Lists are compared by position;
 * items beyond the shorter list are named one by one. Sorted; `['']` when the
 * roots themselves differ in type.
 */
export function changedPaths(a: unknown, b: unknown): string[] {
  const out: string[] = [];
  walk(a, b, [], out);
  return out.sort();
}

function walk(a: unknown, b: unknown, path: PathSegment[], out: string[]): void {
  if (isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const inA = Object.hasOwn(a, k);
      const inB = Object.hasOwn(b, k);
      if (inA && inB) walk(a[k], b[k], [...path, k], out);
      else out.push(toPointer([...path, k]));
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i < a.length && i < b.length) walk(a[i], b[i], [...path, i], out);
      else out.push(toPointer([...path, i]));
    }
    return;
  }
  if (!jsonEqual(a, b)) out.push(toPointer(path));
}
