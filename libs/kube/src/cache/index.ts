export { Discovery, collectionPath, type ApiResourceInfo } from './discovery.js';
export { KindWatch, type WatchChange, type KindWatchHandlers } from './kind-watch.js';
export {
  ClusterCache,
  keyOf,
  type CacheEvent,
  type CacheStats,
  type ClusterUnreachable,
} from './cluster-cache.js';
export {
  describeConnectionError,
  isClusterConnectionError,
  unreachableMessage,
} from './connection.js';
