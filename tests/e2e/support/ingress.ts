import { rawRequest, type KubeConfig } from '@flotilla/kube';

interface Ingress {
  metadata: { name: string };
  status?: { loadBalancer?: { ingress?: unknown[] } };
}

/**
 * Plays the ingress controller the test cluster lacks: gives every Ingress of
 * `namespace` without an address a documentation-range one, as a controller
 * would, so Ingress health can become Healthy. Returns how many it patched.
 */
export async function publishIngressAddresses(kc: KubeConfig, namespace: string): Promise<number> {
  const base = `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`;
  const { items } = await rawRequest<{ items: Ingress[] }>(kc, { method: 'GET', path: base });
  const bare = items.filter((i) => !i.status?.loadBalancer?.ingress?.length);
  for (const ingress of bare) {
    await rawRequest(kc, {
      method: 'PATCH',
      path: `${base}/${ingress.metadata.name}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } },
    });
  }
  return bare.length;
}
