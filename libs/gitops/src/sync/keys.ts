// Resource keys for objects and the selective-sync filter over them.
import type { ResourceKey } from '@flotilla/contracts';
import type { SyncOperationResource } from '@flotilla/api';
import { groupOf, kindOf, metaString, type KubeObject } from '../resource/index.js';

/**
 * Discovery's answer to "is this kind namespaced?": undefined when the kind is
 * unknown to the cluster (a CRD not installed yet), which counts as namespaced.
 */
export type NamespacedLookup = (group: string, kind: string) => boolean | undefined;

/**
 * The key of `obj`: a namespaced object without a namespace goes to the
 * destination namespace; a cluster-scoped one has namespace ''.
 */
export function objectKey(
  obj: KubeObject,
  destinationNamespace: string,
  isNamespaced?: NamespacedLookup,
): ResourceKey {
  const group = groupOf(obj);
  const kind = kindOf(obj);
  const namespaced = isNamespaced?.(group, kind) ?? true;
  const namespace = namespaced ? metaString(obj, 'namespace') || destinationNamespace : '';
  return { group, kind, namespace, name: metaString(obj, 'name') };
}

/**
 * True when a selective sync's list names `key`: group, kind and name match
 * ("*" matches anything), and the namespace matches or is empty or "*".
 */
export function isSelected(key: ResourceKey, selection: readonly SyncOperationResource[]): boolean {
  const same = (want: string | undefined, have: string, emptyMatchesAll: boolean) =>
    want === '*' || want === have || (emptyMatchesAll && (want ?? '') === '');
  return selection.some(
    (r) =>
      same(r.group ?? '', key.group, false) &&
      same(r.kind, key.kind, false) &&
      same(r.name, key.name, false) &&
      same(r.namespace, key.namespace, true),
  );
}
