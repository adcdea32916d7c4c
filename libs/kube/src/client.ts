import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';

import { RESOURCE_FIELD_MANAGER } from '@flotilla/api';
import {
  KubeConnection,
  loadKubeConnectionFromFile,
  loadKubeConnectionInCluster,
  type KubeAccess,
} from './kubeconfig.js';

export type { KubernetesObject } from '@kubernetes/client-node';

/**
 * Loads a kubeconfig file's current context, or the in-cluster service
 * account when no path is given. Loads nothing of client-node.
 */
export function loadKubeConfig(path?: string): KubeConnection {
  return path ? loadKubeConnectionFromFile(path) : loadKubeConnectionInCluster();
}

/** Options for {@link serverSideApply}. */
export interface ApplyOptions {
  readonly fieldManager?: string;
  /** Take ownership of fields other managers own (Argo CD forces too). */
  readonly force?: boolean;
  readonly dryRun?: boolean;
}

/** client-node's `PatchStrategy.ServerSideApply`, without loading its module for the constant. */
const SERVER_SIDE_APPLY = 'application/apply-patch+yaml' as Parameters<
  KubernetesObjectApi['patch']
>[5];

/**
 * Server-side applies one object and returns what the apiserver stored (or
 * would store, with `dryRun`).
 */
export async function serverSideApply<T extends KubernetesObject>(
  api: KubernetesObjectApi,
  obj: T,
  options: ApplyOptions = {},
): Promise<T> {
  return api.patch<T>(
    obj,
    undefined,
    options.dryRun ? 'All' : undefined,
    options.fieldManager ?? RESOURCE_FIELD_MANAGER,
    options.force ?? true,
    SERVER_SIDE_APPLY,
  );
}

/**
 * A generic object client (client-node's) for an apiserver access: loads
 * client-node, so only for callers that need its typed client.
 */
export async function objectApi(kc: KubeAccess): Promise<KubernetesObjectApi> {
  const { KubeConfig, KubernetesObjectApi } = await import('@kubernetes/client-node');
  const config = kc instanceof KubeConnection ? await kc.clientNode() : kc;
  if (!(config instanceof KubeConfig))
    throw new Error('objectApi needs a kubeconfig loaded from a file or the cluster');
  return KubernetesObjectApi.makeApiClient(config);
}
