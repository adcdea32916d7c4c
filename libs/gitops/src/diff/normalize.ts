// The normalisation every object gets before it is compared: fields the
// server owns go, and equivalent spellings become one.
import { cloneJson, groupOf, isRecord, kindOf } from '../resource/index.js';
import { foldStringData } from './secret.js';
import type { DiffObject } from './types.js';

/** Which kinds lose `status` before comparing, as Argo CD's `ignoreResourceStatusField`. */
export type StatusFieldPolicy = 'all' | 'crd' | 'none';

/** Options of {@link normalizeObject}. */
export interface NormalizeOptions {
  /** `all` (default, Argo CD 3's default), `crd` (only CustomResourceDefinitions) or `none`. */
  readonly ignoreResourceStatusField?: StatusFieldPolicy;
  /** Ignore `rules` of aggregated (Cluster)Roles, which the aggregator fills. Default false. */
  readonly ignoreAggregatedRoles?: boolean;
}

/** kubectl's client-side-apply annotation; it repeats the object, Secret data included. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

const SERVER_METADATA = [
  'creationTimestamp',
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'selfLink',
] as const;

/**
 * Returns a normalised copy: server-written metadata, the last-applied
 * annotation and (by policy) `status` removed, empty labels and annotations
 * dropped, Secret `stringData` folded into `data`, and empty or aggregated
 * Role rules dropped.
 */
export function normalizeObject(obj: DiffObject, options: NormalizeOptions = {}): DiffObject {
  const out = cloneJson(obj);
  const meta = out['metadata'];
  if (isRecord(meta)) {
    for (const field of SERVER_METADATA) delete meta[field];
    const ann = meta['annotations'];
    if (isRecord(ann)) delete ann[LAST_APPLIED_ANNOTATION];
    for (const field of ['annotations', 'labels']) {
      const value = meta[field];
      if (value === null || (isRecord(value) && Object.keys(value).length === 0)) {
        delete meta[field];
      }
    }
  }
  if (dropsStatus(out, options.ignoreResourceStatusField ?? 'all')) delete out['status'];
  foldStringData(out);
  normalizeRole(out, options.ignoreAggregatedRoles ?? false);
  return out;
}

function dropsStatus(obj: DiffObject, policy: StatusFieldPolicy): boolean {
  if (policy === 'all') return true;
  if (policy === 'none') return false;
  return groupOf(obj) === 'apiextensions.k8s.io' && kindOf(obj) === 'CustomResourceDefinition';
}

// An empty rules list and no rules mean the same; an aggregated role's rules
// are written by the aggregation controller, not by its manifest.
function normalizeRole(obj: DiffObject, ignoreAggregated: boolean): void {
  if (groupOf(obj) !== 'rbac.authorization.k8s.io') return;
  if (kindOf(obj) !== 'Role' && kindOf(obj) !== 'ClusterRole') return;
  const rules = obj['rules'];
  const aggregated = ignoreAggregated && isRecord(obj['aggregationRule']);
  if (aggregated || rules === null || (Array.isArray(rules) && rules.length === 0)) {
    delete obj['rules'];
  }
}
