import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';

import { RESOURCE_FIELD_MANAGER } from '@flotilla/api';

export type { KubernetesObject } from '@kubernetes/client-node';

/** Loads a kubeconfig file, or the in-cluster service account when no path is given. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromCluster();
  return kc;
}

/** Options for {@link serverSideApply}. */
export interface ApplyOptions {
  readonly fieldManager?: string;
  /** Take ownership of fields other managers own (Argo CD forces too). */
  readonly force?: boolean;
  readonly dryRun?: boolean;
}

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
    PatchStrategy.ServerSideApply,
  );
}

/** A generic object client for a kubeconfig. */
export function objectApi(kc: KubeConfig): KubernetesObjectApi {
  return KubernetesObjectApi.makeApiClient(kc);
}
