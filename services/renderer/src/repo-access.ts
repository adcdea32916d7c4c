import { credentialFromSecret, type RepoCredential } from '@flotilla/git';
import { RepoAccessStore, type KubeConfig } from '@flotilla/kube';
import type { Logger } from '@flotilla/runtime';

/** What the renderer knows about reaching repositories: one list for Git, Helm and OCI, and trusted CAs. */
export type RepoAccess = RepoAccessStore<RepoCredential>;

/**
 * Watches the repository Secrets and the trusted-certificate ConfigMaps of
 * the control namespace. Secrets that cannot be listed leave the store empty
 * (public repositories still work) and are retried; a ConfigMap that is
 * missing is no error.
 */
export function watchRepoAccess(
  kc: KubeConfig,
  namespace: string,
  logger?: Pick<Logger, 'warn'>,
): Promise<RepoAccess> {
  return RepoAccessStore.start({
    kc,
    namespace,
    parse: credentialFromSecret,
    certificates: true,
    ...(logger ? { logger } : {}),
  });
}
