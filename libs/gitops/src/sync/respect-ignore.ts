// `RespectIgnoreDifferences=true`: a field the app's ignoreDifferences ignores
// is not the sync's to change. For an object that exists, the applied object
// carries the live value of each ignored field (or leaves it out when live has
// none), as Argo CD does before it applies.
import type { ResourceIgnoreDifferences } from '@flotilla/api';
import type { ResourceKey } from '@flotilla/contracts';
import { jqPaths } from '../diff/ignore.js';
import { matchIgnoreRules } from '../diff/ignore-rules.js';
import type { JqRunner } from '../diff/jq/runner.js';
import { getAt, hasAt, parsePointer, removeAt, type PathSegment } from '../diff/pointer.js';
import { isRecord as isPlainObject } from '../resource/index.js';
import { TRACKING_ANNOTATION } from '@flotilla/api';
import type { KubeObject as SyncObject } from '../resource/index.js';

/**
 * `target` with every field that `rules` ignore for `key` taken from `live`.
 * JSON pointers and jq path expressions are honoured (a jq expression that
 * fails at run time on an object ignores nothing, as in the diff);
 * `managedFieldsManagers` rules only hide drift and change nothing here.
 * Returns `target` itself when no rule applies.
 */
export async function respectIgnoreDifferences(
  target: SyncObject,
  live: SyncObject,
  key: ResourceKey,
  rules: readonly ResourceIgnoreDifferences[],
  jq: () => JqRunner,
): Promise<SyncObject> {
  const set = matchIgnoreRules(rules, key);
  if (set.jsonPointers.length === 0 && set.jqPathExpressions.length === 0) return target;
  const paths: PathSegment[][] = [];
  for (const pointer of set.jsonPointers) {
    const path = parsePointer(pointer);
    if (path && path.length > 0) paths.push(path);
  }
  for (const expression of set.jqPathExpressions) {
    // Paths in either object: a field only the target sets is ignored too.
    for (const doc of [live, target]) paths.push(...(await jqPaths(jq(), doc, expression)));
  }
  const out = structuredClone(target) as Record<string, unknown>;
  for (const path of paths) {
    if (!changeable(path)) continue;
    if (hasAt(live, path)) setAt(out, path, structuredClone(getAt(live, path)));
    else removeAt(out, path);
  }
  // The tracking id stays the sync's own, whatever a rule on annotations says.
  const tracking = getAt(target, ['metadata', 'annotations', TRACKING_ANNOTATION]);
  if (typeof tracking === 'string') {
    setAt(out, ['metadata', 'annotations', TRACKING_ANNOTATION], tracking);
  }
  return out;
}

/** Identity is never taken from live: kind, apiVersion, name and namespace stay. */
function changeable(path: readonly PathSegment[]): boolean {
  const [first, second] = path;
  if (first === undefined || first === 'apiVersion' || first === 'kind') return false;
  return !(
    first === 'metadata' &&
    (second === undefined || second === 'name' || second === 'namespace')
  );
}

/** Sets the value at `path`, creating objects on the way; an array index must exist. */
function setAt(root: Record<string, unknown>, path: readonly PathSegment[], value: unknown): void {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i] as PathSegment;
    if (Array.isArray(node)) {
      node = node[Number(segment)];
    } else if (isPlainObject(node)) {
      const next = node[String(segment)];
      if (!isPlainObject(next) && !Array.isArray(next)) node[String(segment)] = {};
      node = node[String(segment)];
    } else return;
  }
  const last = path[path.length - 1] as PathSegment;
  if (Array.isArray(node)) {
    const index = Number(last);
    if (Number.isInteger(index) && index >= 0 && index < node.length) node[index] = value;
  } else if (isPlainObject(node)) node[String(last)] = value;
}
