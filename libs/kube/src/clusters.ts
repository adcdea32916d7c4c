import { KubeConfig } from '@kubernetes/client-node';
import type { KubeConfig as KC } from '@kubernetes/client-node';
import { rawRequest } from './raw.js';

/** The in-cluster destination, as Argo CD names it. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
export const IN_CLUSTER_NAME = 'in-cluster';

/** Label selectors of cluster Secrets (Flotilla's and Argo CD's). */
export const CLUSTER_SECRET_SELECTORS = [
  'flotilla.dev/secret-type=cluster',
  'argocd.argoproj.io/secret-type=cluster',
];

/** A destination cluster: its name, server and credentials. */
export interface ClusterTarget {
  readonly name: string;
  readonly server: string;
  readonly kc: KC;
}

interface ClusterConfig {
  bearerToken?: string;
  username?: string;
  password?: string;
  tlsClientConfig?: {
    insecure?: boolean;
    caData?: string;
    certData?: string;
    keyData?: string;
    serverName?: string;
  };
}

interface SecretLike {
  metadata?: { name?: string };
  data?: Record<string, string>;
}

const decode = (v: string | undefined) =>
  v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');

/** Reads an Argo CD cluster Secret (`name`, `server`, `config` JSON) into a target; undefined if malformed. */
export function clusterFromSecret(secret: SecretLike): ClusterTarget | undefined {
  const server = decode(secret.data?.['server']);
  if (!server) return undefined;
  const name = decode(secret.data?.['name']) ?? secret.metadata?.name ?? server;
  let config: ClusterConfig = {};
  try {
    config = JSON.parse(decode(secret.data?.['config']) ?? '{}') as ClusterConfig;
  } catch {
    return undefined;
  }
  const tls = config.tlsClientConfig ?? {};
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name,
        server,
        skipTLSVerify: tls.insecure ?? false,
        ...(tls.caData ? { caData: tls.caData } : {}),
        ...(tls.serverName ? { tlsServerName: tls.serverName } : {}),
      },
    ],
    users: [
      {
        name,
        ...(config.bearerToken ? { token: config.bearerToken } : {}),
        ...(config.username ? { username: config.username, password: config.password } : {}),
        ...(tls.certData ? { certData: tls.certData } : {}),
        ...(tls.keyData ? { keyData: tls.keyData } : {}),
      },
    ],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return { name, server, kc };
}

/**
 * Resolves an Application's destination to a cluster: the in-cluster one for
 * `https://kubernetes.default.svc` / `in-cluster` (the cluster of Flotilla's
 * own kubeconfig), others from cluster Secrets in Flotilla's namespace, read
 * again at most every `refreshMs`.
 */
export class ClusterRegistry {
  private targets: ClusterTarget[] = [];
  private loadedAt = 0;

  constructor(
    private readonly local: KC,
    private readonly namespace: string,
    private readonly refreshMs = 30_000,
  ) {}

  private async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.loadedAt < this.refreshMs) return;
    const lists = await Promise.all(
      CLUSTER_SECRET_SELECTORS.map((labelSelector) =>
        rawRequest<{ items: SecretLike[] }>(this.local, {
          method: 'GET',
          path: `/api/v1/namespaces/${this.namespace}/secrets`,
          query: { labelSelector },
        }),
      ),
    );
    this.targets = lists.flatMap((l) =>
      l.items.map(clusterFromSecret).filter((t): t is ClusterTarget => !!t),
    );
    this.loadedAt = Date.now();
  }

  /** The cluster for a destination; throws with a clear message when none matches. */
  async resolve(
    destination: { server?: string; name?: string } | undefined,
  ): Promise<ClusterTarget> {
    const server = destination?.server?.replace(/\/+$/, '');
    const name = destination?.name;
    if (server === IN_CLUSTER_SERVER || name === IN_CLUSTER_NAME || (!server && !name)) {
      return { name: IN_CLUSTER_NAME, server: IN_CLUSTER_SERVER, kc: this.local };
    }
    const find = () =>
      this.targets.find((t) =>
        server ? t.server.replace(/\/+$/, '') === server : t.name === name,
      );
    await this.refresh();
    let found = find();
    if (!found) {
      await this.refresh(true);
      found = find();
    }
    if (!found)
      throw new Error(
        `no cluster Secret for destination ${server ?? name} (label one with flotilla.dev/secret-type=cluster)`,
      );
    return found;
  }
}
