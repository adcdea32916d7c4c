import { ApiError, rawRequest, type KubeConfig } from '@flotilla/kube';

const HOLDER = 'flotilla-e2e-heartbeat';
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const DURATION_SECONDS = 40;

interface Lease {
  metadata: { name: string; resourceVersion?: string };
  spec?: { holderIdentity?: string };
}

/**
 * Heartbeats for the dev cluster's simulated (KWOK) nodes. KWOK there runs
 * without node leases, so its node's status heartbeat goes stale: about once a
 * minute the node lifecycle controller sees the node NotReady and marks every
 * pod on it NotReady, and KWOK's pod stages never make them Ready again, so
 * Deployments stay Progressing. A node Lease renewed here is the heartbeat
 * the controller reads instead. Only leases created here are renewed (a node
 * whose lease someone else holds is left alone); on stop they are left to
 * expire, since a suite running beside this one may rely on them.
 */
export function keepSimulatedNodesAlive(kc: KubeConfig, intervalMs = 10_000): () => void {
  const beat = async () => {
    const nodes = await rawRequest<{ items: { metadata: { name: string; uid: string } }[] }>(kc, {
      method: 'GET',
      path: '/api/v1/nodes?labelSelector=type%3Dkwok',
    }).catch(() => ({ items: [] }));
    const now = new Date().toISOString().replace(/Z$/, '000Z');
    for (const node of nodes.items) {
      const name = node.metadata.name;
      const existing = await rawRequest<Lease>(kc, {
        method: 'GET',
        path: `${LEASES}/${name}`,
      }).catch((err: unknown) =>
        err instanceof ApiError && err.status === 404 ? undefined : null,
      );
      if (existing === null) continue;
      if (existing && existing.spec?.holderIdentity !== HOLDER) continue;
      const spec = {
        holderIdentity: HOLDER,
        leaseDurationSeconds: DURATION_SECONDS,
        renewTime: now,
      };
      try {
        if (existing) {
          await rawRequest(kc, {
            method: 'PATCH',
            path: `${LEASES}/${name}`,
            contentType: 'application/merge-patch+json',
            body: { spec: { renewTime: now } },
          });
        } else {
          await rawRequest(kc, {
            method: 'POST',
            path: LEASES,
            body: {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              metadata: {
                name,
                ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }],
              },
              spec,
            },
          });
        }
      } catch {
        // Another suite's heartbeat created it first, or the apiserver is busy: try next time.
      }
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), intervalMs);
  return () => clearInterval(timer);
}
