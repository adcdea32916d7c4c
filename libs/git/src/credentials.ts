import { normalizeRepoUrl, stripCredentials } from './url.js';

/** Credentials for repositories whose URL starts with `urlPrefix` (Argo CD repository / repo-creds Secrets). */
export interface RepoCredential {
  readonly urlPrefix: string;
  readonly username?: string;
  readonly password?: string;
  readonly sshPrivateKey?: string;
  /** known_hosts lines for SSH; host keys are always checked. */
  readonly knownHosts?: string;
  /** Skip TLS verification (discouraged; Argo CD's `insecure`). */
  readonly insecure?: boolean;
  /** Argo CD's `type`: `git` (the default), `helm` or `oci`. */
  readonly type?: string;
  /** The repository is an OCI registry (Argo CD's `enableOCI` with `type: helm`). */
  readonly enableOCI?: boolean;
  /** Client certificate and key (PEM) for mutual TLS. */
  readonly tlsClientCertData?: string;
  readonly tlsClientCertKey?: string;
  /** Talk plain HTTP to this OCI registry (Argo CD 3.5's `insecureOCIForceHttp`). */
  readonly insecureOCIForceHttp?: boolean;
}

/** Labels that mark a Secret as repository credentials. */
export const SECRET_TYPE_LABELS = [
  'flotilla.dev/secret-type',
  'argocd.argoproj.io/secret-type',
] as const;

/** A Kubernetes Secret, as far as credentials need it. */
export interface SecretLike {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
  readonly data?: Readonly<Record<string, string>>;
  readonly stringData?: Readonly<Record<string, string>>;
}

/**
 * Reads an Argo CD style repository Secret (`type: repository` for one repo,
 * `repo-creds` for a URL prefix); undefined when the Secret is not one.
 */
export function credentialFromSecret(secret: SecretLike): RepoCredential | undefined {
  const labels = secret.metadata?.labels ?? {};
  const kind = SECRET_TYPE_LABELS.map((l) => labels[l]).find(Boolean);
  if (kind !== 'repository' && kind !== 'repo-creds') return undefined;
  const field = (k: string) =>
    secret.stringData?.[k] ??
    (secret.data?.[k] !== undefined
      ? Buffer.from(secret.data[k]!, 'base64').toString('utf8')
      : undefined);
  const url = field('url');
  if (!url) return undefined;
  return {
    urlPrefix: url,
    username: field('username'),
    password: field('password'),
    sshPrivateKey: field('sshPrivateKey'),
    knownHosts: field('knownHosts') ?? field('sshKnownHosts'),
    insecure: field('insecure') === 'true',
    type: field('type') ?? 'git',
    enableOCI: field('enableOCI') === 'true' || field('type') === 'oci',
    tlsClientCertData: field('tlsClientCertData'),
    tlsClientCertKey: field('tlsClientCertKey'),
    insecureOCIForceHttp: field('insecureOCIForceHttp') === 'true',
  };
}

// `oci://Host/a/`, `https://host/a` and Argo CD's `host/a` all become `host/a`.
function chartLocation(url: string): string {
  const bare = stripCredentials(url.trim()).replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = bare.indexOf('/');
  const host = (slash < 0 ? bare : bare.slice(0, slash)).toLowerCase();
  return `${host}${slash < 0 ? '' : bare.slice(slash)}`.replace(/\/+$/, '');
}

/**
 * The credential for a chart repository: the longest URL prefix matching
 * `repoUrl`, compared without scheme, as Argo CD matches a Helm or OCI
 * repository Secret (whose `url` may be `oci://host/path` or `host/path`).
 * HTTP(S) repositories keep their scheme apart from OCI ones.
 */
export function matchChartCredential(
  repoUrl: string,
  creds: readonly RepoCredential[],
): RepoCredential | undefined {
  const target = chartLocation(repoUrl);
  const http = /^https?:\/\//i.test(repoUrl);
  let best: RepoCredential | undefined;
  let bestLen = -1;
  for (const c of creds) {
    if (/^https?:\/\//i.test(c.urlPrefix) !== http) continue;
    const prefix = chartLocation(c.urlPrefix);
    const matches = target === prefix || target.startsWith(`${prefix}/`);
    if (matches && prefix.length > bestLen) {
      best = c;
      bestLen = prefix.length;
    }
  }
  return best;
}

/** The credential with the longest URL prefix matching `repoUrl`, compared in normalised form. */
export function matchCredential(
  repoUrl: string,
  creds: readonly RepoCredential[],
): RepoCredential | undefined {
  const target = normalizeRepoUrl(repoUrl);
  let best: RepoCredential | undefined;
  let bestLen = -1;
  for (const c of creds) {
    const prefix = normalizeRepoUrl(c.urlPrefix);
    const matches =
      target === prefix || target.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
    if (matches && prefix.length > bestLen) {
      best = c;
      bestLen = prefix.length;
    }
  }
  return best;
}
