// The tail of a hook's pod logs, for hook.succeeded and hook.failed events.
// Best effort: a hook without pods, or a node that keeps no logs, gives none.
import type { ResourceKey } from '@flotilla/contracts';
import { rawRequest, type KubeConfig } from '@flotilla/kube';

/** Lines of a hook's log kept in its event. */
export const LOG_TAIL_LINES = 20;
const LOG_TAIL_BYTES = 4096;

/** The part of a pod list the log reader looks at. */
export interface PodList {
  readonly items?: readonly {
    readonly metadata?: { readonly name?: string; readonly creationTimestamp?: string };
  }[];
}

/** Where a hook's log is: its own Pod, the pods of its Job, or nowhere (any other kind). */
export type HookLogSource = { readonly pod: string } | { readonly jobPodSelector: string };

/** Where the log of the hook `key` is, or undefined for a kind that has none. */
export function hookLogSource(key: ResourceKey): HookLogSource | undefined {
  if (key.group === '' && key.kind === 'Pod') return { pod: key.name };
  if (key.group === 'batch' && key.kind === 'Job')
    return { jobPodSelector: `batch.kubernetes.io/job-name=${key.name}` };
  return undefined;
}

/** The name of the newest pod in a list (a Job's last attempt), or undefined when empty. */
export function newestPodName(list: PodList): string | undefined {
  const newest = [...(list.items ?? [])].sort((a, b) =>
    (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''),
  )[0];
  return newest?.metadata?.name;
}

/** A log response as text, or undefined when it is empty or not text. */
export function logText(response: unknown): string | undefined {
  return typeof response === 'string' && response !== '' ? response : undefined;
}

/** The last lines of the log of a hook Pod, or of the newest pod of a hook Job. */
export async function hookLogTail(kc: KubeConfig, key: ResourceKey): Promise<string | undefined> {
  const ns = encodeURIComponent(key.namespace);
  const source = hookLogSource(key);
  if (!source) return undefined;
  try {
    const pod =
      'pod' in source
        ? source.pod
        : newestPodName(
            await rawRequest<PodList>(kc, {
              method: 'GET',
              path: `/api/v1/namespaces/${ns}/pods`,
              query: { labelSelector: source.jobPodSelector },
            }),
          );
    if (!pod) return undefined;
    return logText(
      await rawRequest<unknown>(kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(pod)}/log`,
        query: { tailLines: String(LOG_TAIL_LINES), limitBytes: String(LOG_TAIL_BYTES) },
      }),
    );
  } catch {
    return undefined;
  }
}
