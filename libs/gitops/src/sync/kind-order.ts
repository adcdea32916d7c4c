// The order in which kinds are applied within one phase and wave: Helm's kind
// sorter, as gitops-engine copies it.

/** Kinds in apply order. Kinds not listed (custom resources) come after all of them. */
export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

const INDEX = new Map(KIND_ORDER.map((kind, i) => [kind, i]));

/** The position of `kind` in {@link KIND_ORDER}; `KIND_ORDER.length` for any other kind. */
export function kindOrderIndex(kind: string): number {
  return INDEX.get(kind) ?? KIND_ORDER.length;
}
