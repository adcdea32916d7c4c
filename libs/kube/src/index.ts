export {
  loadKubeConfig,
  serverSideApply,
  objectApi,
  type ApplyOptions,
  type KubernetesObject,
} from './client.js';
export {
  KubeConnection,
  loadKubeConnectionFromFile,
  loadKubeConnectionInCluster,
  type KubeAccess,
  type KubeCluster,
  type KubeUser,
  /** What every function here takes to reach an apiserver (client-node's KubeConfig is one). */
  type KubeAccess as KubeConfig,
} from './kubeconfig.js';
export {
  watchRequest,
  WATCH_ANSWER_TIMEOUT_MS,
  type WatchRequest,
  type WatchRequestOptions,
  type WatchEventType,
} from './watch.js';
export { ListWatch, type ListWatchOptions } from './list-watch.js';
export {
  customResourceInformer,
  namespaceFilteredInformer,
  type CustomResourceType,
} from './informer.js';
export {
  watchConfigMaps,
  type ConfigMapWatch,
  type WatchConfigMapsOptions,
  type WatchedConfigMap,
} from './configmaps.js';
export {
  watchHealthConfig,
  type HealthConfigOptions,
  type HealthConfigWatch,
} from './health-config.js';
export type { Informer, ObjectCache } from '@kubernetes/client-node';
export { rawRequest, requestResource, ApiError, type RawRequest } from './raw.js';
export { ApplicationClient, resourceVersionAtLeast } from './applications.js';
export {
  AppView,
  resourceVersionOf,
  watchApplications,
  type ApplicationWatch,
} from './app-view.js';
export { installCrds, ensureNamespace } from './crds.js';
export {
  ClusterCache,
  Discovery,
  KindWatch,
  collectionPath,
  keyOf,
  isClusterConnectionError,
  describeConnectionError,
  unreachableMessage,
  type ApiResourceInfo,
  type CacheEvent,
  type CacheStats,
  type ClusterUnreachable,
  type WatchChange,
} from './cache/index.js';
export {
  applyObject,
  replaceObject,
  deleteObject,
  UnknownKindError,
  type ApplyObjectOptions,
} from './apply.js';
export {
  ClusterRegistry,
  ClusterConnections,
  clusterFromSecret,
  impersonating,
  type ConnectedCluster,
  type UnusableCluster,
  IN_CLUSTER_SERVER,
  IN_CLUSTER_NAME,
  CLUSTER_SECRET_SELECTORS,
  type ClusterTarget,
} from './clusters.js';
export { compareApp, type CompareAppInput } from './compare.js';
export { ProjectClient, ProjectStore, projectView, type ProjectStoreOptions } from './projects.js';
export {
  RepoAccessStore,
  REPO_SECRET_SELECTORS,
  TLS_CERT_CONFIGMAPS,
  type RepoAccessChange,
  type RepoAccessStoreOptions,
} from './repo-access.js';
export type { V1Secret } from '@kubernetes/client-node';
