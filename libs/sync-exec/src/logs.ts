// The tail of a hook's pod logs, for hook.succeeded and hook.failed events.
// Best effort: a hook without pods, or a node that keeps no logs, gives none.
import type { ResourceKey } from '@flotilla/contracts';
import { rawRequest, type KubeConfig } from '@flotilla/kube';

/** Lines of a hook's log kept in its event. */
export const LOG_TAIL_LINES = 20;
const LOG_TAIL_BYTES = 4096;

interface PodList {
  readonly items?: readonly {
    readonly metadata?: { readonly name?: string; readonly creationTimestamp?: string };
  }[];
}

/** The last lines of the log of a hook Pod, or of the newest pod of a hook Job. */
export async function hookLogTail(kc: KubeConfig, key: ResourceKey): Promise<string | undefined> {
  const ns = encodeURIComponent(key.namespace);
  try {
    let pod: string | undefined;
    if (key.group === '' && key.kind === 'Pod') pod = key.name;
    else if (key.group === 'batch' && key.kind === 'Job') {
      const list = await rawRequest<PodList>(kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/pods`,
        query: { labelSelector: `batch.kubernetes.io/job-name=${key.name}` },
      });
      const newest = [...(list.items ?? [])].sort((a, b) =>
        (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''),
      )[0];
      pod = newest?.metadata?.name;
    }
    if (!pod) return undefined;
    const text = await rawRequest<unknown>(kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(pod)}/log`,
      query: { tailLines: String(LOG_TAIL_LINES), limitBytes: String(LOG_TAIL_BYTES) },
    });
    return typeof text === 'string' && text !== '' ? text : undefined;
  } catch {
    return undefined;
  }
}
