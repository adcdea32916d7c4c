import type { CoreV1Api } from '@flotilla/kube';
import { credentialFromSecret, type RepoCredential } from '@flotilla/git';

/** Label selectors of Argo CD-style repository Secrets (and Flotilla's spelling). */
export const REPO_SECRET_SELECTORS = [
  'argocd.argoproj.io/secret-type in (repository,repo-creds)',
  'flotilla.dev/secret-type in (repository,repo-creds)',
];

/** ConfigMaps of trusted CA certificates by host, as Argo CD's `argocd-tls-certs-cm`. */
export const TLS_CERT_CONFIGMAPS = ['argocd-tls-certs-cm', 'flotilla-tls-certs-cm'];

/** What the renderer knows about reaching repositories: one list for Git, Helm and OCI. */
export interface RepoAccess {
  credentials: RepoCredential[];
  trustedCerts: Record<string, string>;
}

/**
 * Reads repository Secrets and the trusted-certificate ConfigMaps of the
 * control namespace. A ConfigMap that is missing is no error; one that
 * cannot be read leaves the certificates as they were.
 */
export async function readRepoAccess(
  core: CoreV1Api,
  namespace: string,
  previous: RepoAccess,
): Promise<RepoAccess> {
  const lists = await Promise.all(
    REPO_SECRET_SELECTORS.map((labelSelector) =>
      core.listNamespacedSecret({ namespace, labelSelector }),
    ),
  );
  const credentials = lists.flatMap((l) =>
    l.items.map((s) => credentialFromSecret(s)).filter((c): c is RepoCredential => !!c),
  );
  const maps = await Promise.all(
    TLS_CERT_CONFIGMAPS.map((name) =>
      core.readNamespacedConfigMap({ name, namespace }).then(
        (cm) => cm.data ?? {},
        (err: { code?: number }) => (err.code === 404 ? {} : undefined),
      ),
    ),
  );
  const trustedCerts = maps.some((m) => m === undefined)
    ? previous.trustedCerts
    : (Object.assign({}, ...maps) as Record<string, string>);
  return { credentials, trustedCerts };
}
