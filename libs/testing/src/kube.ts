import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  KubeConfig as ClientNodeKubeConfig,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { loadKubeConfig, type KubeConnection } from '@flotilla/kube';

/** Access to the test cluster, with a fresh namespace per test. */
export interface KubeTestContext {
  readonly kubeconfigPath: string;
  /** Flotilla's own access, as the roles load it. */
  readonly kc: KubeConnection;
  /** client-node's KubeConfig of the same file, for its typed clients. */
  readonly clientNode: ClientNodeKubeConfig;
  readonly objects: KubernetesObjectApi;
  readonly core: CoreV1Api;
  /** Creates a namespace with a unique name (deleted when the env is disposed). */
  namespace(prefix?: string): Promise<string>;
  dispose(): Promise<void>;
}

/** Connects to the cluster behind `kubeconfigPath`. */
export function kubeContext(kubeconfigPath: string): KubeTestContext {
  const kc = loadKubeConfig(kubeconfigPath);
  const clientNode = new ClientNodeKubeConfig();
  clientNode.loadFromFile(kubeconfigPath);
  const core = clientNode.makeApiClient(CoreV1Api);
  const created: string[] = [];
  return {
    kubeconfigPath,
    kc,
    clientNode,
    objects: KubernetesObjectApi.makeApiClient(clientNode),
    core,
    async namespace(prefix = 'ft') {
      const name = `${prefix}-${randomBytes(4).toString('hex')}`;
      await core.createNamespace({
        body: { metadata: { name, labels: { 'flotilla.dev/test': 'true' } } },
      });
      created.push(name);
      return name;
    },
    async dispose() {
      // Deletion finishes in the background; names are unique, so nothing waits for it.
      await Promise.allSettled(created.map((name) => core.deleteNamespace({ name })));
    },
  };
}
