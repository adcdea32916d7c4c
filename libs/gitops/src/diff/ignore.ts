// Applies the ignoreDifferences rules of one resource to both sides of its
// comparison: JSON pointers, jq path expressions, then trusted managers.
import { JqFailure, isJqError } from './errors.js';
import type { IgnoreRuleSet } from './ignore-rules.js';
import type { JqRunner } from './jq/runner.js';
import { dropManagedFields } from './managed-fields.js';
import { parsePointer, removeAt, type PathSegment } from './pointer.js';
import type { DiffObject } from './types.js';

/** The two sides one resource is compared on, and what the rules need to see. */
export interface IgnoreSides {
  /** The desired side: a dry-run result, desired merged into live, or desired alone. */
  readonly target: DiffObject | undefined;
  readonly live: DiffObject | undefined;
  /** `metadata.managedFields` of live as the cluster returned it (normalisation drops them). */
  readonly liveManagedFields?: unknown;
}

/**
 * Removes ignored fields from both sides, in place. A pointer or jq path that
 * does not resolve, and a jq expression that fails on an object (iterating
 * over a field that is absent, say), ignores nothing, as in Argo CD. Any
 * other jq failure rejects with its JqError, so the resource is not decided on
 * a half-applied rule.
 */
export async function applyIgnoreRules(
  sides: IgnoreSides,
  rules: IgnoreRuleSet,
  jq: () => JqRunner,
): Promise<void> {
  const docs = [sides.target, sides.live].filter((d): d is DiffObject => d !== undefined);
  for (const pointer of rules.jsonPointers) {
    const path = parsePointer(pointer);
    if (path && path.length > 0) for (const doc of docs) removeAt(doc, path);
  }
  for (const expression of rules.jqPathExpressions) {
    for (const doc of docs) removePaths(doc, await jqPaths(jq(), doc, expression));
  }
  if (rules.managedFieldsManagers.length > 0 && sides.target && sides.live) {
    dropManagedFields(
      sides.target,
      sides.live,
      sides.liveManagedFields,
      rules.managedFieldsManagers,
    );
  }
}

/** The paths `expression` selects in `doc`; none when it fails at run time on this object. */
export async function jqPaths(runner: JqRunner, doc: unknown, expression: string) {
  try {
    return await runner.paths(doc, expression);
  } catch (err) {
    if (isJqError(err, JqFailure.Runtime)) return [];
    throw err;
  }
}

/** Removes several paths from one document; later array items go first so indexes stay valid. */
export function removePaths(doc: unknown, paths: readonly (readonly PathSegment[])[]): void {
  const sorted = [...paths].sort(comparePathsDescending);
  for (const path of sorted) if (path.length > 0) removeAt(doc, path);
}

function comparePathsDescending(a: readonly PathSegment[], b: readonly PathSegment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as PathSegment;
    const y = b[i] as PathSegment;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return y - x;
    return String(y) < String(x) ? -1 : 1;
  }
  return b.length - a.length;
}
