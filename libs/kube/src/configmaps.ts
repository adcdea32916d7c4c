// Settings ConfigMaps (flotilla-cm, argocd-cm) watched by name in one
// namespace, so a change takes effect without a restart.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeAccess } from './kubeconfig.js';
import { ListWatch } from './list-watch.js';

/** A watched ConfigMap: its name and data; `data` is absent while the ConfigMap does not exist. */
export interface WatchedConfigMap {
  readonly name: string;
  readonly data?: Readonly<Record<string, string>>;
}

/** Stops a {@link watchConfigMaps} watch. */
export interface ConfigMapWatch {
  stop(): Promise<void>;
}

/** Options of {@link watchConfigMaps}. */
export interface WatchConfigMapsOptions {
  readonly namespace: string;
  /** The ConfigMaps to report, in the order `onChange` receives them. */
  readonly names: readonly string[];
  /** Called once the first listing is in, then whenever the data of one of `names` changes. */
  readonly onChange: (maps: readonly WatchedConfigMap[]) => void;
  /** A watch that broke; it is restarted after `retryMs`. */
  readonly onError?: (err: unknown) => void;
  /** How long to wait before restarting a broken watch. Default 2000 ms. */
  readonly retryMs?: number;
}

/**
 * Watches ConfigMaps by name in one namespace (list, then watch, re-listing when
 * the watch expires) and reports their data when it changes. Resolves once the
 * first report is made.
 */
export async function watchConfigMaps(
  kc: KubeAccess,
  options: WatchConfigMapsOptions,
): Promise<ConfigMapWatch> {
  const { namespace, names, onChange } = options;
  const informer = new ListWatch<V1ConfigMap>(
    kc,
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`,
  );
  let last: string | undefined;
  let stopped = false;
  const report = () => {
    const maps = names.map((name) => {
      const cm = informer.get(name, namespace);
      return cm ? { name, data: cm.data ?? {} } : { name };
    });
    const digest = JSON.stringify(maps);
    if (digest === last) return;
    last = digest;
    onChange(maps);
  };
  const changed = (cm: V1ConfigMap) => {
    if (names.includes(cm.metadata?.name ?? '')) report();
  };
  informer.on('add', changed);
  informer.on('update', changed);
  informer.on('delete', changed);
  informer.on('error', (err) => {
    if (stopped) return;
    options.onError?.(err);
    setTimeout(() => {
      if (!stopped) informer.start().catch((e: unknown) => options.onError?.(e));
    }, options.retryMs ?? 2000);
  });
  await informer.start();
  report();
  return {
    async stop() {
      stopped = true;
      await informer.stop();
    },
  };
}
