import { allCrds, APPLY_PATCH_CONTENT_TYPE, CRD_FIELD_MANAGER } from '@flotilla/api';
import type { KubeAccess } from './kubeconfig.js';
import { rawRequest } from './raw.js';

type CrdStatus = { status?: { conditions?: { type: string; status: string }[] } };

/**
 * Installs or updates the Application, AppProject and ApplicationSet CRDs (forced server-side
 * apply, so it is idempotent and safe from several processes at once) and
 * waits until the apiserver serves them.
 */
export async function installCrds(
  kc: KubeAccess,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const crds = allCrds();
  for (const crd of crds) {
    await rawRequest(kc, {
      method: 'PATCH',
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      query: { fieldManager: CRD_FIELD_MANAGER, force: 'true' },
      contentType: APPLY_PATCH_CONTENT_TYPE,
      body: crd,
    });
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (const crd of crds) {
    for (;;) {
      const live = await rawRequest<CrdStatus>(kc, {
        method: 'GET',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      });
      if (live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))
        break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${crd.metadata.name} did not become Established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Creates a namespace unless it exists. */
export async function ensureNamespace(kc: KubeAccess, name: string): Promise<void> {
  try {
    await rawRequest(kc, {
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    });
  } catch (err) {
    if ((err as { status?: number }).status !== 409) throw err;
  }
}
