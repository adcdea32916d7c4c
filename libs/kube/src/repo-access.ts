// Repository credentials (Argo CD's repository and repo-creds Secrets) and the
// trusted-certificate ConfigMaps, watched in the control namespace: one store
// the git-poller, the renderer and the appset role share, so a new, edited or
// deleted Secret counts from the next request on, without a restart or a timer.
import type { Informer, ObjectCache, V1Secret } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { Logger } from '@flotilla/runtime';
import { watchConfigMaps, type ConfigMapWatch } from './configmaps.js';
import type { KubeAccess } from './kubeconfig.js';
import { ListWatch } from './list-watch.js';

/**
 * Label selectors of repository Secrets, Argo CD's spelling and Flotilla's.
 * A label selector cannot say "either label", so each is watched on its own.
 */
export const REPO_SECRET_SELECTORS = [
  'argocd.argoproj.io/secret-type in (repository,repo-creds)',
  'flotilla.dev/secret-type in (repository,repo-creds)',
] as const;

/** ConfigMaps of trusted CA certificates by host, as Argo CD's `argocd-tls-certs-cm`; later ones win. */
export const TLS_CERT_CONFIGMAPS = ['argocd-tls-certs-cm', 'flotilla-tls-certs-cm'] as const;

/** Options of {@link RepoAccessStore.start}. */
export interface RepoAccessStoreOptions<C> {
  readonly kc: KubeAccess;
  /** The control namespace, where repository Secrets live. */
  readonly namespace: string;
  /** Reads a Secret into a credential; undefined when the Secret is not a usable one. */
  readonly parse: (secret: V1Secret) => C | undefined;
  /** Also watch {@link TLS_CERT_CONFIGMAPS} (needs list and watch on ConfigMaps). */
  readonly certificates?: boolean;
  /** Where watch trouble is reported (never a Secret's content); watches restart themselves. */
  readonly logger?: Pick<Logger, 'warn'>;
  /** How long to wait before restarting a broken watch. Default 2000 ms. */
  readonly retryMs?: number;
}

/** What changed in a {@link RepoAccessStore}: credentials that appeared and ones that went (an edit is both). */
export interface RepoAccessChange<C> {
  readonly added: readonly C[];
  readonly removed: readonly C[];
  /** The trusted certificates changed. */
  readonly certificates: boolean;
  /**
   * Names what the store now holds (the watched objects' names and
   * resourceVersions), the same in every replica that saw the same change:
   * a de-duplication id for work the change starts.
   */
  readonly version: string;
}

type SecretInformer = Informer<V1Secret> & ObjectCache<V1Secret>;

/**
 * A watched view of the repository Secrets (and, when asked, the trusted
 * certificates) of the control namespace. Reads answer from memory; the
 * parsed credentials are rebuilt only when a watched object changes.
 */
export class RepoAccessStore<C> {
  private current: readonly C[] = [];
  private digests: readonly string[] = [];
  private certs: Readonly<Record<string, string>> = {};
  private secretsVersion = '';
  private certsVersion = '';
  private certWatch: ConfigMapWatch | undefined;
  private stopping = false;
  private readonly restarts = new Set<NodeJS.Timeout>();
  private readonly listeners = new Set<(change: RepoAccessChange<C>) => void>();

  private constructor(
    private readonly options: RepoAccessStoreOptions<C>,
    private readonly informers: readonly SecretInformer[],
  ) {}

  /**
   * Lists, then watches; resolves once the first listing is in memory. A
   * listing that fails (no right to list Secrets, an apiserver down) is
   * reported and retried: the store then starts empty rather than failing.
   */
  static async start<C>(options: RepoAccessStoreOptions<C>): Promise<RepoAccessStore<C>> {
    const { kc, namespace } = options;
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
    const informers = REPO_SECRET_SELECTORS.map(
      (labelSelector) => new ListWatch<V1Secret>(kc, path, { labelSelector }),
    );
    const store = new RepoAccessStore(options, informers);
    const changed = () => store.rebuild();
    for (const inf of informers) {
      inf.on('add', changed);
      inf.on('update', changed);
      inf.on('delete', changed);
      inf.on('error', (err: unknown) => store.retry(inf, 'repository secret watch', err));
    }
    await Promise.all(informers.map((inf) => inf.start()));
    store.rebuild();
    if (options.certificates)
      store.certWatch = await watchConfigMaps(kc, {
        namespace,
        names: TLS_CERT_CONFIGMAPS,
        onChange: (maps) => store.setCerts(Object.assign({}, ...maps.map((m) => m.data ?? {}))),
        onError: (err) =>
          options.logger?.warn(
            { err: describe(err) },
            'trusted certificate watch trouble; restarting',
          ),
        retryMs: options.retryMs,
      });
    return store;
  }

  /** The credentials of every repository Secret, as last seen by the watch. */
  credentials(): readonly C[] {
    return this.current;
  }

  /** Trusted CA certificates by host (`host` or `host:port`), from {@link TLS_CERT_CONFIGMAPS}. */
  trustedCerts(): Readonly<Record<string, string>> {
    return this.certs;
  }

  /** Calls `listener` after credentials or certificates changed; returns the unsubscribe function. */
  onChange(listener: (change: RepoAccessChange<C>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.restarts) clearTimeout(t);
    this.restarts.clear();
    await Promise.all(this.informers.map((inf) => inf.stop()));
    await this.certWatch?.stop();
  }

  private retry(inf: SecretInformer, what: string, err: unknown): void {
    if (this.stopping) return;
    this.options.logger?.warn({ err: describe(err) }, `${what} trouble; restarting`);
    const t = setTimeout(() => {
      this.restarts.delete(t);
      if (!this.stopping) inf.start().catch(() => undefined);
    }, this.options.retryMs ?? 2_000);
    this.restarts.add(t);
  }

  private rebuild(): void {
    // A Secret carrying both labels is in both watches: it counts once.
    const secrets = new Map<string, V1Secret>();
    for (const inf of this.informers)
      for (const s of inf.list(this.options.namespace)) secrets.set(s.metadata?.name ?? '', s);
    const next: C[] = [];
    const names = [...secrets.keys()].sort();
    for (const name of names) {
      const c = this.options.parse(secrets.get(name)!);
      if (c !== undefined) next.push(c);
    }
    this.secretsVersion = names
      .map((n) => `${n}@${secrets.get(n)!.metadata?.resourceVersion ?? ''}`)
      .join(',');
    const digests = next.map((c) => JSON.stringify(c));
    const added = next.filter((_, i) => !this.digests.includes(digests[i]!));
    const removed = this.current.filter((_, i) => !digests.includes(this.digests[i]!));
    this.current = next;
    this.digests = digests;
    if (added.length + removed.length > 0) this.notify({ added, removed, certificates: false });
  }

  private setCerts(certs: Record<string, string>): void {
    this.certs = certs;
    this.certsVersion = JSON.stringify(Object.entries(certs).sort(([a], [b]) => (a < b ? -1 : 1)));
    this.notify({ added: [], removed: [], certificates: true });
  }

  private notify(change: Omit<RepoAccessChange<C>, 'version'>): void {
    const version = createHash('sha256')
      .update(`${this.secretsVersion}\n${this.certsVersion}`)
      .digest('hex')
      .slice(0, 16);
    for (const l of this.listeners) l({ ...change, version });
  }
}

/** An error as a log field: its message or status, never the object a response carried. */
function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  const code = (err as { code?: unknown; statusCode?: unknown } | undefined)?.code;
  return code !== undefined ? `status ${String(code)}` : String(err);
}
