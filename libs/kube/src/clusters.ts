import type { RequestOptions } from 'node:https';
import { ClusterCache } from './cache/index.js';
import { KubeConnection, type KubeAccess as KC } from './kubeconfig.js';
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
  /** The AppProject the cluster Secret scopes the cluster to (its `project` key), if any. */
  readonly project?: string;
}

const impersonated = new WeakMap<KC, Map<string, KC>>();

/**
 * The credentials of `kc` acting as `user` (the `Impersonate-User` header on
 * every request): the cluster then authorizes each request as that user. One
 * access per (kc, user), reused.
 */
export function impersonating(kc: KC, user: string): KC {
  let byUser = impersonated.get(kc);
  if (!byUser) impersonated.set(kc, (byUser = new Map()));
  const hit = byUser.get(user);
  if (hit) return hit;
  const out: KC =
    kc instanceof KubeConnection
      ? kc.impersonating(user)
      : {
          getCurrentCluster: () => kc.getCurrentCluster(),
          async applyToHTTPSOptions(options: RequestOptions) {
            await kc.applyToHTTPSOptions(options);
            options.headers = { ...options.headers, 'Impersonate-User': user };
          },
        };
  byUser.set(user, out);
  return out;
}

interface ClusterConfig {
  execProviderConfig?: unknown;
  awsAuthConfig?: unknown;
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

/** A cluster Secret Flotilla cannot use, with the reason (never its credentials). */
export interface UnusableCluster {
  readonly name: string;
  readonly server: string;
  readonly problem: string;
}

/** Why a cluster Secret's `config` cannot be used, or undefined when it can. */
function configProblem(config: ClusterConfig): string | undefined {
  if (config.execProviderConfig)
    return 'execProviderConfig is not supported yet: give the Secret a bearerToken or client certificates';
  if (config.awsAuthConfig)
    return 'awsAuthConfig is not supported yet: give the Secret a bearerToken or client certificates';
  return undefined;
}

/**
 * Reads an Argo CD cluster Secret (`name`, `server`, `config` JSON) into a
 * target; undefined without a server, an {@link UnusableCluster} when its
 * config cannot be read or uses an authentication Flotilla lacks.
 */
export function clusterFromSecret(secret: SecretLike): ClusterTarget | UnusableCluster | undefined {
  const server = decode(secret.data?.['server']);
  if (!server) return undefined;
  const name = decode(secret.data?.['name']) ?? secret.metadata?.name ?? server;
  let config: ClusterConfig = {};
  try {
    config = JSON.parse(decode(secret.data?.['config']) ?? '{}') as ClusterConfig;
  } catch {
    return {
      name,
      server,
      problem: `the config of Secret ${secret.metadata?.name ?? name} is not JSON`,
    };
  }
  const problem = configProblem(config);
  if (problem) return { name, server, problem };
  const tls = config.tlsClientConfig ?? {};
  const kc = new KubeConnection(
    {
      name,
      server,
      ...(tls.insecure ? { insecureSkipTlsVerify: true } : {}),
      ...(tls.caData ? { ca: decode(tls.caData)! } : {}),
      ...(tls.serverName ? { tlsServerName: tls.serverName } : {}),
    },
    {
      name,
      ...(config.bearerToken ? { token: config.bearerToken } : {}),
      ...(config.username ? { username: config.username, password: config.password ?? '' } : {}),
      ...(tls.certData ? { clientCertificate: decode(tls.certData)! } : {}),
      ...(tls.keyData ? { clientKey: decode(tls.keyData)! } : {}),
    },
  );
  const project = decode(secret.data?.['project']);
  return { name, server, kc, ...(project ? { project } : {}) };
}

/**
 * Resolves an Application's destination to a cluster: the in-cluster one for
 * `https://kubernetes.default.svc` / `in-cluster` (the cluster of Flotilla's
 * own kubeconfig), others from cluster Secrets in Flotilla's namespace, read
 * again at most every `refreshMs`.
 */
export class ClusterRegistry {
  private targets: (ClusterTarget | UnusableCluster)[] = [];
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
      l.items.map(clusterFromSecret).filter((t): t is ClusterTarget | UnusableCluster => !!t),
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
    if ('problem' in found)
      throw new Error(`cluster ${found.name} (${found.server}): ${found.problem}`);
    return found;
  }

  /** Every cluster: the in-cluster one first, then those of cluster Secrets (read afresh). */
  async list(): Promise<(ClusterTarget | UnusableCluster)[]> {
    await this.refresh(true);
    return [{ name: IN_CLUSTER_NAME, server: IN_CLUSTER_SERVER, kc: this.local }, ...this.targets];
  }
}

/** A destination cluster with its watch cache. */
export interface ConnectedCluster extends ClusterTarget {
  readonly cache: ClusterCache;
  /** True for the cluster of Flotilla's own kubeconfig. */
  readonly own: boolean;
}

/**
 * The clusters a role writes to, one watch cache each, made when an app first
 * names it: the own cluster (its cache given) and those of cluster Secrets.
 */
export class ClusterConnections {
  private readonly registry: ClusterRegistry;
  private readonly connected = new Map<string, ConnectedCluster>();
  private readonly ownServer: string | undefined;

  constructor(
    private readonly local: KC,
    namespace: string,
    ownCache: ClusterCache,
    private readonly onWatchError: (err: Error, kind: string, cluster: string) => void,
  ) {
    this.registry = new ClusterRegistry(local, namespace);
    this.ownServer = local.getCurrentCluster()?.server.replace(/\/+$/, '');
    this.connected.set(IN_CLUSTER_SERVER, {
      name: IN_CLUSTER_NAME,
      server: IN_CLUSTER_SERVER,
      kc: local,
      cache: ownCache,
      own: true,
    });
  }

  /** The own cluster. */
  get own(): ConnectedCluster {
    return this.connected.get(IN_CLUSTER_SERVER)!;
  }

  /** The cluster of a destination; throws with a clear message when no Secret names it. */
  async forDestination(
    destination: { server?: string; name?: string } | undefined,
  ): Promise<ConnectedCluster> {
    const target = await this.registry.resolve(destination);
    const server = target.server.replace(/\/+$/, '');
    // A Secret naming Flotilla's own apiserver shares the own cache (and keeps its project).
    if (target.kc === this.local || server === this.ownServer)
      return target.project ? { ...this.own, project: target.project } : this.own;
    let c = this.connected.get(server);
    if (!c) {
      const cache = new ClusterCache(target.kc, (err, kind) =>
        this.onWatchError(err, kind, target.name),
      );
      c = { ...target, cache, own: false };
      this.connected.set(server, c);
    }
    return c;
  }

  /** Stops the watches of every remote cluster (the own cache belongs to the caller). */
  stop(): void {
    for (const c of this.connected.values()) if (!c.own) c.cache.stop();
    this.connected.clear();
  }
}
