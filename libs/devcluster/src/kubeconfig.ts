import { stringify } from 'yaml';

/** Renders a kubeconfig with one cluster, one token user and one context. */
export function renderKubeconfig(opts: {
  name: string;
  server: string;
  caPem: string;
  user: string;
  token: string;
  namespace?: string;
}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: opts.name,
        cluster: {
          server: opts.server,
          'certificate-authority-data': Buffer.from(opts.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: opts.user, user: { token: opts.token } }],
    contexts: [
      {
        name: opts.name,
        context: {
          cluster: opts.name,
          user: opts.user,
          ...(opts.namespace ? { namespace: opts.namespace } : {}),
        },
      },
    ],
    'current-context': opts.name,
    preferences: {},
  });
}
