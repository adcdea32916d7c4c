import type {
  Informer,
  KubernetesObject,
  ObjectCache,
  ObjectCallback,
} from '@kubernetes/client-node';
import type { KubeAccess } from './kubeconfig.js';
import { compactObject } from './cache/compact.js';
import { ListWatch } from './list-watch.js';

/** Identifies a namespaced custom resource type. */
export interface CustomResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/**
 * A list-then-watch cache of one custom resource type in one namespace, or in
 * every namespace when `namespace` is undefined (re-lists on watch expiry).
 * Call `start()`; read with `list()`/`get()`.
 *
 * The cached objects carry no `metadata.managedFields`: no role reads who wrote
 * which field of Flotilla's own resources from a watch, and they are about a
 * third of a synced Application's memory (16 MiB per role at 10,000 apps).
 * The strings they share with other cached objects (namespaces, repository
 * URLs, revisions, status words) are shared (see {@link compactObject}).
 */
export function customResourceInformer<T extends KubernetesObject>(
  kc: KubeAccess,
  type: CustomResourceType,
  namespace: string | undefined,
): Informer<T> & ObjectCache<T> {
  const base = `/apis/${type.group}/${type.version}`;
  const path =
    namespace === undefined
      ? `${base}/${type.plural}`
      : `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
  return new ListWatch<T>(kc, path, { transform: compactWithoutManagedFields });
}

/** Drops the object's managedFields in place (set to undefined, not deleted: V8 keeps the object's fast shape), then compacts it. */
function compactWithoutManagedFields(o: KubernetesObject): void {
  if (o.metadata?.managedFields !== undefined) o.metadata.managedFields = undefined;
  compactObject(o);
}

type ObjectVerb = 'add' | 'update' | 'delete' | 'change';
const OBJECT_VERBS: readonly string[] = ['add', 'update', 'delete', 'change'];

/**
 * The objects of `inner` in the namespaces `keep` accepts, and only those:
 * `list`, `get` and the object events see nothing else. Errors and connects
 * pass through. For a cluster-wide watch of which a role serves a few namespaces.
 */
export function namespaceFilteredInformer<T extends KubernetesObject>(
  inner: Informer<T> & ObjectCache<T>,
  keep: (namespace: string) => boolean,
): Informer<T> & ObjectCache<T> {
  const kept = (o: T | undefined) => o !== undefined && keep(o.metadata?.namespace ?? '');
  // The filtering callback given to `inner` for each (verb, callback), so `off` finds it.
  const wrapped = new Map<string, Map<ObjectCallback<T>, ObjectCallback<T>>>();
  return {
    on(verb: string, cb: ObjectCallback<T>) {
      if (!OBJECT_VERBS.includes(verb)) return inner.on(verb as 'error', cb as () => void);
      const byCb = wrapped.get(verb) ?? new Map<ObjectCallback<T>, ObjectCallback<T>>();
      wrapped.set(verb, byCb);
      const f = byCb.get(cb) ?? ((o: T) => (kept(o) ? cb(o) : undefined));
      byCb.set(cb, f);
      inner.on(verb as ObjectVerb, f);
    },
    off(verb: string, cb: ObjectCallback<T>) {
      if (!OBJECT_VERBS.includes(verb)) return inner.off(verb as 'error', cb as () => void);
      const f = wrapped.get(verb)?.get(cb);
      if (!f) return;
      wrapped.get(verb)?.delete(cb);
      inner.off(verb as ObjectVerb, f);
    },
    get(name, namespace) {
      const o = inner.get(name, namespace);
      return kept(o) ? o : undefined;
    },
    list(namespace) {
      return inner.list(namespace).filter(kept);
    },
    start: () => inner.start(),
    stop: () => inner.stop(),
  } as Informer<T> & ObjectCache<T>;
}
