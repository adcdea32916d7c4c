export { Discovery, collectionPath, type ApiResourceInfo } from './discovery.js';
export { KindWatch, type WatchChange, type KindWatchHandlers } from './kind-watch.js';
export {
  ClusterCache,
  keyOf,
  TRACKING_ANNOTATIONS,
  type CacheEvent,
  type CacheStats,
} from './cluster-cache.js';
