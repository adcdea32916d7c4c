import {
  CustomObjectsApi,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';

/** Identifies a namespaced custom resource type. */
export interface CustomResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/**
 * A list-then-watch cache of one custom resource type in one namespace
 * (re-lists on watch expiry). Call `start()`; read with `list()`/`get()`.
 */
export function customResourceInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  type: CustomResourceType,
  namespace: string,
): Informer<T> & ObjectCache<T> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const path = `/apis/${type.group}/${type.version}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
  return makeInformer<T>(kc, path, () =>
    api.listNamespacedCustomObject({
      group: type.group,
      version: type.version,
      namespace,
      plural: type.plural,
    }),
  );
}
