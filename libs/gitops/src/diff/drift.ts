// Drift for events: which fields of a live object a change (seen on a watch)
// moved away from desired.
import { changedPaths } from './changes.js';
import { compareSides } from './compare.js';
import { matchIgnoreRules } from './ignore-rules.js';
import { normalizeObject } from './normalize.js';
import { jsonEqual } from '../resource/index.js';
import { compileDiffOptions, type CompiledDiffOptions, type DiffOptions } from './options.js';
import { getAt, parsePointer } from './pointer.js';
import { resourceKeyOf } from './tracking.js';
import type { DiffObject } from './types.js';

/**
 * JSON pointers of the fields where `live` differs from `desired` (prepared
 * with the tracking id, see prepareDesired), after normalisation and the
 * ignore rules, compared structurally. With `previousLive` (the object before
 * the watch event) only the fields this change touched are named, so a drift
 * event names what just drifted. Pointers only: no values, Secret or not.
 */
export async function driftedFields(
  desired: DiffObject,
  live: DiffObject,
  normalisation: DiffOptions | CompiledDiffOptions = {},
  previousLive?: DiffObject,
): Promise<string[]> {
  const o = compileDiffOptions(normalisation);
  const rules = matchIgnoreRules(o.ignoreDifferences, resourceKeyOf(live));
  const sides = await compareSides(desired, live, rules, o);
  if (sides.synced) return [];
  const drifted = changedPaths(sides.live, sides.target);
  if (!previousLive) return drifted;
  const before = normalizeObject(previousLive, o);
  return drifted.filter((pointer) => touched(pointer, before, sides.live));
}

function touched(pointer: string, before: DiffObject, after: DiffObject): boolean {
  const path = parsePointer(pointer) ?? [];
  return !jsonEqual(getAt(before, path), getAt(after, path));
}
