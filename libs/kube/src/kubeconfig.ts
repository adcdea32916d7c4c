// The access to an apiserver every request of libs/kube goes through: its
// server and the credentials a request carries. Read from a kubeconfig file,
// the in-cluster service account or a cluster Secret without
// @kubernetes/client-node: its KubeConfig module loads the whole generated API
// (about 800 modules, 70 MiB of resident memory and over a second of start in
// every role). Credentials only a plugin can make (`exec`, `auth-provider`)
// are left to client-node's KubeConfig, loaded on the first request that
// needs them.
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import type { KubeConfig as ClientNodeKubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';

/**
 * What a request needs to reach an apiserver: its URL and the credentials put
 * on a request's options. client-node's `KubeConfig` has this shape too, so
 * either can be given wherever libs/kube takes one.
 */
export interface KubeAccess {
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string } | null;
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
}

/** The cluster half of a connection: where the apiserver is and how to trust it. */
export interface KubeCluster {
  readonly name: string;
  readonly server: string;
  /** PEM of the CA certificates to trust; the system's when absent. */
  readonly ca?: string;
  readonly insecureSkipTlsVerify?: boolean;
  readonly tlsServerName?: string;
  readonly proxyUrl?: string;
}

/** The user half: who the requests are made as. */
export interface KubeUser {
  readonly name: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
  readonly token?: string;
  /** A file holding the token, read again as it may be rotated (projected service account tokens). */
  readonly tokenFile?: string;
  readonly username?: string;
  readonly password?: string;
  readonly impersonate?: {
    readonly user?: string;
    readonly groups?: readonly string[];
    readonly uid?: string;
    readonly extra?: Readonly<Record<string, readonly string[]>>;
  };
  /** The user's credentials come from a plugin (`exec`, `auth-provider`): client-node makes them. */
  readonly plugin?: boolean;
}

/** Where a connection was read from, so client-node can read the same when it is needed. */
type Source = { readonly file: string } | { readonly inCluster: true } | undefined;

/** How long a token file's content is used before it is read again. */
const TOKEN_FILE_TTL_MS = 60_000;

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** An apiserver and the credentials to use it with: a {@link KubeAccess} without client-node. */
export class KubeConnection implements KubeAccess {
  /** The namespace of the current context, or of the service account in a cluster. */
  readonly namespace: string | undefined;
  private token?: { value: string; readAt: number };
  private plugin?: Promise<ClientNodeKubeConfig>;

  constructor(
    readonly cluster: KubeCluster,
    readonly user: KubeUser,
    options: { readonly namespace?: string; readonly source?: Source } = {},
  ) {
    this.namespace = options.namespace;
    this.source = options.source;
  }

  private readonly source: Source;

  getCurrentCluster(): KubeCluster {
    return this.cluster;
  }

  /** The same connection acting as `user` (`Impersonate-User`); impersonation already set is replaced. */
  impersonating(user: string): KubeConnection {
    return new KubeConnection(
      this.cluster,
      { ...this.user, impersonate: { user } },
      {
        ...(this.namespace ? { namespace: this.namespace } : {}),
        ...(this.source ? { source: this.source } : {}),
      },
    );
  }

  async applyToHTTPSOptions(options: RequestOptions): Promise<void> {
    const headers = { ...(options.headers as Record<string, string | string[]> | undefined) };
    if (this.user.plugin) {
      // The plugin's credentials: client-node runs it and caches what it gives.
      const kc = await this.clientNode();
      await kc.applyToHTTPSOptions(options);
      Object.assign(headers, options.headers);
    } else {
      if (this.user.clientCertificate) options.cert = this.user.clientCertificate;
      if (this.user.clientKey) options.key = this.user.clientKey;
      const token = this.bearerToken();
      if (token) headers['Authorization'] = `Bearer ${token}`;
      else if (this.user.username !== undefined)
        headers['Authorization'] =
          `Basic ${Buffer.from(`${this.user.username}:${this.user.password ?? ''}`).toString('base64')}`;
    }
    if (this.cluster.ca) options.ca = this.cluster.ca;
    if (this.cluster.insecureSkipTlsVerify) options.rejectUnauthorized = false;
    if (this.cluster.tlsServerName) options.servername = this.cluster.tlsServerName;
    const as = this.user.impersonate;
    if (as?.user) headers['Impersonate-User'] = as.user;
    if (as?.groups?.length) headers['Impersonate-Group'] = [...as.groups];
    if (as?.uid) headers['Impersonate-Uid'] = as.uid;
    for (const [k, v] of Object.entries(as?.extra ?? {}))
      headers[`Impersonate-Extra-${encodeURIComponent(k)}`] = [...v];
    options.headers = headers;
  }

  private bearerToken(): string | undefined {
    if (!this.user.tokenFile) return this.user.token;
    const now = Date.now();
    if (!this.token || now - this.token.readAt > TOKEN_FILE_TTL_MS) {
      try {
        this.token = { value: readFileSync(this.user.tokenFile, 'utf8').trim(), readAt: now };
      } catch (err) {
        // A token read before stays in use while the file is being replaced.
        if (!this.token) throw err;
      }
    }
    return this.token.value;
  }

  /**
   * client-node's KubeConfig for the same source, for what only its typed
   * clients or its auth plugins do. Loads client-node on the first call.
   */
  clientNode(): Promise<ClientNodeKubeConfig> {
    this.plugin ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      const source = this.source;
      if (source && 'file' in source) kc.loadFromFile(source.file);
      else if (source) kc.loadFromCluster();
      else
        kc.loadFromOptions({
          clusters: [
            {
              name: this.cluster.name,
              server: this.cluster.server,
              skipTLSVerify: this.cluster.insecureSkipTlsVerify ?? false,
              ...(this.cluster.ca
                ? { caData: Buffer.from(this.cluster.ca).toString('base64') }
                : {}),
              ...(this.cluster.tlsServerName ? { tlsServerName: this.cluster.tlsServerName } : {}),
              ...(this.cluster.proxyUrl ? { proxyUrl: this.cluster.proxyUrl } : {}),
            },
          ],
          users: [
            {
              name: this.user.name,
              ...(this.user.token ? { token: this.user.token } : {}),
              ...(this.user.username !== undefined
                ? { username: this.user.username, password: this.user.password ?? '' }
                : {}),
              ...(this.user.clientCertificate
                ? { certData: Buffer.from(this.user.clientCertificate).toString('base64') }
                : {}),
              ...(this.user.clientKey
                ? { keyData: Buffer.from(this.user.clientKey).toString('base64') }
                : {}),
              ...(this.user.impersonate?.user
                ? { impersonateUser: this.user.impersonate.user }
                : {}),
            },
          ],
          contexts: [{ name: this.cluster.name, cluster: this.cluster.name, user: this.user.name }],
          currentContext: this.cluster.name,
        });
      return kc;
    });
    return this.plugin;
  }
}

type Yaml = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const named = (list: unknown, name: string): Yaml | undefined =>
  (Array.isArray(list) ? (list as Yaml[]) : []).find((e) => e?.['name'] === name);

/** A file's content or base64 data of a kubeconfig field pair (`x` / `x-data`). */
function fileOrData(entry: Yaml, key: string, base: string): string | undefined {
  const data = str(entry[`${key}-data`]);
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  const file = str(entry[key]);
  if (file) return readFileSync(isAbsolute(file) ? file : join(base, file), 'utf8');
  return undefined;
}

/** Reads the current context of a kubeconfig file. */
export function loadKubeConnectionFromFile(path: string, context?: string): KubeConnection {
  const doc = (parseYaml(readFileSync(path, 'utf8')) ?? {}) as Yaml;
  const base = dirname(path);
  const contextName = context ?? str(doc['current-context']);
  if (!contextName) throw new Error(`kubeconfig ${path} has no current context`);
  const ctx = named(doc['contexts'], contextName)?.['context'] as Yaml | undefined;
  if (!ctx) throw new Error(`kubeconfig ${path} has no context ${contextName}`);
  const clusterName = str(ctx['cluster']) ?? '';
  const userName = str(ctx['user']) ?? '';
  const c = (named(doc['clusters'], clusterName)?.['cluster'] ?? {}) as Yaml;
  const u = (named(doc['users'], userName)?.['user'] ?? {}) as Yaml;
  const server = str(c['server']);
  if (!server) throw new Error(`kubeconfig ${path}: cluster ${clusterName} has no server`);
  const ca = fileOrData(c, 'certificate-authority', base);
  const cert = fileOrData(u, 'client-certificate', base);
  const key = fileOrData(u, 'client-key', base);
  const tokenFile = str(u['tokenFile']);
  const groups = u['as-groups'];
  const extra = u['as-user-extra'];
  const cluster: KubeCluster = {
    name: clusterName,
    server,
    ...(ca ? { ca } : {}),
    ...(c['insecure-skip-tls-verify'] === true ? { insecureSkipTlsVerify: true } : {}),
    ...(str(c['tls-server-name']) ? { tlsServerName: str(c['tls-server-name'])! } : {}),
    ...(str(c['proxy-url']) ? { proxyUrl: str(c['proxy-url'])! } : {}),
  };
  const user: KubeUser = {
    name: userName,
    ...(cert ? { clientCertificate: cert } : {}),
    ...(key ? { clientKey: key } : {}),
    ...(str(u['token']) ? { token: str(u['token'])! } : {}),
    ...(tokenFile ? { tokenFile: isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile) } : {}),
    ...(str(u['username']) !== undefined
      ? { username: str(u['username'])!, password: str(u['password']) ?? '' }
      : {}),
    ...(str(u['as']) || Array.isArray(groups) || str(u['as-uid']) || extra
      ? {
          impersonate: {
            ...(str(u['as']) ? { user: str(u['as'])! } : {}),
            ...(Array.isArray(groups) ? { groups: groups.map(String) } : {}),
            ...(str(u['as-uid']) ? { uid: str(u['as-uid'])! } : {}),
            ...(extra && typeof extra === 'object'
              ? { extra: extra as Record<string, string[]> }
              : {}),
          },
        }
      : {}),
    // A proxy needs client-node's agent too.
    ...(u['exec'] || u['auth-provider'] || cluster.proxyUrl ? { plugin: true } : {}),
  };
  const namespace = str(ctx['namespace']);
  return new KubeConnection(cluster, user, {
    ...(namespace ? { namespace } : {}),
    source: { file: path },
  });
}

/** The service account of the pod this process runs in. */
export function loadKubeConnectionInCluster(dir = SERVICE_ACCOUNT_DIR): KubeConnection {
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  const port = process.env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port)
    throw new Error(
      'not in a cluster (KUBERNETES_SERVICE_HOST is unset): give a kubeconfig file (--kubeconfig or KUBECONFIG)',
    );
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim();
  } catch {
    namespace = undefined;
  }
  return new KubeConnection(
    { name: 'inCluster', server, ca: readFileSync(join(dir, 'ca.crt'), 'utf8') },
    { name: 'inClusterUser', tokenFile: join(dir, 'token') },
    { ...(namespace ? { namespace } : {}), source: { inCluster: true } },
  );
}
