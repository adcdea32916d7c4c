// The third side of the structural comparison: fields Flotilla applied before
// (its field manager owns them in live) that desired no longer sets are
// removed by the next server-side apply, so they are drift too.
import { ownedFields, resolveFieldPath, type FieldElement } from './managed-fields.js';
import { isRecord } from '../resource/index.js';
import { getAt, removeAt, type PathSegment } from './pointer.js';

/**
 * Removes from `merged`, in place, every field or list item that `manager`
 * owns through an Apply in live's `managedFields` and that `desired` no
 * longer names. What another manager also owns stays, as it would in the
 * cluster: the field itself, anything under it, or a map or list item around
 * it. Maps and lists the removal leaves empty go too, as the API server
 * drops them.
 */
export function dropUnappliedFields(
  merged: unknown,
  desired: unknown,
  liveManagedFields: unknown,
  manager: string,
): void {
  const ours = ownedFields(liveManagedFields, (m, op) => m === manager && op === 'Apply');
  if (ours.length === 0) return;
  const theirs = ownedFields(liveManagedFields, (m, op) => m !== manager || op !== 'Apply');
  const owned = new Set(theirs.map(({ path }) => serialize(path)));
  const underTheirs = new Set<string>();
  for (const { path } of theirs) {
    for (let i = 1; i <= path.length; i++) underTheirs.add(serialize(path.slice(0, i)));
  }
  const kept = (path: readonly FieldElement[]) =>
    underTheirs.has(serialize(path)) ||
    path.some((_, i) => i > 0 && i < path.length && owned.has(serialize(path.slice(0, i))));
  const candidates = ours
    .filter(({ path }) => !kept(path))
    .sort((a, b) => a.path.length - b.path.length);
  for (const { path } of candidates) {
    if (resolveFieldPath(desired, path, true)) continue;
    const where = resolveFieldPath(merged, path);
    if (where) removeEmptied(merged, where);
  }
}

// Removes the field, then any map or list the removal left empty.
function removeEmptied(root: unknown, path: PathSegment[]): void {
  removeAt(root, path);
  for (let end = path.length - 1; end > 0; end--) {
    const parent = getAt(root, path.slice(0, end));
    const empty = Array.isArray(parent)
      ? parent.length === 0
      : isRecord(parent) && Object.keys(parent).length === 0;
    if (!empty) return;
    removeAt(root, path.slice(0, end));
  }
}

function serialize(path: readonly FieldElement[]): string {
  return JSON.stringify(path);
}
