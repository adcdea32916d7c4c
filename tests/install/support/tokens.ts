import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConnection } from '@flotilla/kube';
import { run } from '@flotilla/runtime';
import { stringify } from 'yaml';

/**
 * Asks the apiserver for a token of a ServiceAccount (`kubectl create token`, the
 * TokenRequest API) and writes a kubeconfig that uses it, so a process started with
 * it holds exactly that ServiceAccount's rights.
 */
export async function serviceAccountKubeconfig(options: {
  kubectl: string;
  adminKubeconfig: string;
  admin: KubeConnection;
  namespace: string;
  serviceAccount: string;
  dir: string;
}): Promise<string> {
  const { stdout } = await run(options.kubectl, [
    '--kubeconfig',
    options.adminKubeconfig,
    'create',
    'token',
    options.serviceAccount,
    '-n',
    options.namespace,
    '--duration',
    '2h',
  ]);
  const cluster = options.admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig names no current cluster');
  const path = join(options.dir, `${options.serviceAccount}.kubeconfig`);
  await writeFile(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: {
            server: cluster.server,
            ...(cluster.ca
              ? { 'certificate-authority-data': Buffer.from(cluster.ca).toString('base64') }
              : {}),
            ...(cluster.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
          },
        },
      ],
      users: [{ name: options.serviceAccount, user: { token: stdout.trim() } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: options.serviceAccount } }],
      'current-context': 'c',
    }),
    { mode: 0o600 },
  );
  return path;
}

/**
 * A kubeconfig for each role's chart ServiceAccount (`<release>-flotilla-<role>`),
 * by role, so each role process holds exactly the rights the chart gives it.
 */
export async function roleKubeconfigs(options: {
  kubectl: string;
  adminKubeconfig: string;
  admin: KubeConnection;
  namespace: string;
  release: string;
  roles: readonly string[];
  dir: string;
}): Promise<Map<string, string>> {
  const { release, roles, ...rest } = options;
  const byRole = new Map<string, string>();
  for (const role of roles) {
    byRole.set(
      role,
      await serviceAccountKubeconfig({ ...rest, serviceAccount: `${release}-flotilla-${role}` }),
    );
  }
  return byRole;
}
