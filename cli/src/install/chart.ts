import { join } from 'node:path';
import { run } from '@flotilla/runtime';
import { stringify } from 'yaml';

/** Release name and namespace `deploy/install.yaml` and `flotilla install` use by default. */
export const DEFAULT_RELEASE = 'flotilla';
export const DEFAULT_NAMESPACE = 'flotilla';

/** The chart inside a checkout or the image. */
export const chartDir = (root: string): string => join(root, 'deploy', 'helm', 'flotilla');

/** The committed `kubectl apply` manifest rendered from the chart. */
export const installYamlPath = (root: string): string => join(root, 'deploy', 'install.yaml');

/**
 * The Namespace Flotilla runs in, enforcing the restricted Pod Security
 * Standard, so the apiserver refuses any pod of the release that breaks it.
 */
export function namespaceManifest(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  };
}

const HEADER = `# Flotilla for \`kubectl apply --server-side -f deploy/install.yaml\`: the Helm chart in
# deploy/helm/flotilla rendered with its default values (release ${DEFAULT_RELEASE}, namespace
# ${DEFAULT_NAMESPACE}). Do not edit: regenerate with \`npx tsx cli/scripts/render-install.ts\`.
`;

/**
 * Renders `deploy/install.yaml` with the given helm: the restricted Namespace,
 * then the chart's CRDs and templates with default values.
 */
export async function renderInstallYaml(helm: string, root: string): Promise<string> {
  const { stdout } = await run(helm, [
    'template',
    DEFAULT_RELEASE,
    chartDir(root),
    '--namespace',
    DEFAULT_NAMESPACE,
    '--include-crds',
  ]);
  return `${HEADER}---\n${stringify(namespaceManifest(DEFAULT_NAMESPACE))}${stdout.startsWith('---') ? '' : '---\n'}${stdout}`;
}
