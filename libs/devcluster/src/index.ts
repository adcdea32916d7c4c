export {
  clusterUp,
  clusterDown,
  clusterStatus,
  stopComponent,
  startComponent,
  temporaryCluster,
  NODE_NAME,
  TEST_FAIL_ANNOTATION,
  TEST_DURATION_ANNOTATION,
  type ClusterOptions,
  type ClusterInfo,
  type ClusterStatus,
  type TemporaryCluster,
} from './cluster.js';
export { clusterLayout, type ClusterLayout } from './layout.js';
export { ClusterError } from './errors.js';
export { COMPONENTS, type Component } from './state.js';
