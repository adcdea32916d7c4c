export {
  loadKubeConfig,
  serverSideApply,
  objectApi,
  FIELD_MANAGER,
  type ApplyOptions,
  type KubernetesObject,
} from './client.js';
export {
  KubeConfig,
  KubernetesObjectApi,
  CoreV1Api,
  AppsV1Api,
  BatchV1Api,
  Watch,
} from '@kubernetes/client-node';
