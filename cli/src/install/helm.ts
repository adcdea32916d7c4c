import { run } from '@flotilla/runtime';
import { chartDir, namespaceManifest } from './chart.js';

/** What `flotilla install` does, fully resolved. */
export interface InstallPlan {
  readonly helm: string;
  readonly kubectl: string;
  readonly root: string;
  readonly kubeconfig?: string;
  readonly release: string;
  readonly namespace: string;
  readonly valuesFiles: readonly string[];
  readonly set: readonly string[];
  readonly wait: boolean;
  readonly timeout: string;
}

const kubeArgs = (p: { kubeconfig?: string; namespace: string }) => [
  ...(p.kubeconfig ? ['--kubeconfig', p.kubeconfig] : []),
  '--namespace',
  p.namespace,
];

/** The helm command line of an install or upgrade of the chart. */
export function helmInstallArgs(p: InstallPlan): string[] {
  return [
    'upgrade',
    '--install',
    p.release,
    chartDir(p.root),
    ...kubeArgs(p),
    ...p.valuesFiles.flatMap((f) => ['--values', f]),
    ...p.set.flatMap((s) => ['--set', s]),
    ...(p.wait ? ['--wait', '--timeout', p.timeout] : []),
  ];
}

/** Creates the namespace with the restricted Pod Security Standard, or labels the existing one. */
export async function applyNamespace(p: InstallPlan): Promise<void> {
  await run(
    p.kubectl,
    [
      ...(p.kubeconfig ? ['--kubeconfig', p.kubeconfig] : []),
      'apply',
      '--server-side',
      '--field-manager',
      'flotilla-install',
      '-f',
      '-',
    ],
    { input: JSON.stringify(namespaceManifest(p.namespace)) },
  );
}

/** Helm's message without its `Error: ` prefix and trailing noise. */
export function helmMessage(err: unknown): string {
  const stderr = (err as { stderr?: string }).stderr;
  const text = (stderr?.trim() || (err as Error).message).split('\n');
  return text
    .filter((l) => !/^(WARNING|W\d{4}|level=WARN)/.test(l))
    .join('\n')
    .replace(/^Error: /m, '');
}

/** Removes the release; the CRDs, the namespace and the Applications stay. */
export async function helmUninstall(p: {
  helm: string;
  kubeconfig?: string;
  release: string;
  namespace: string;
  wait: boolean;
}): Promise<string> {
  const { stdout } = await run(p.helm, [
    'uninstall',
    p.release,
    ...kubeArgs(p),
    ...(p.wait ? ['--wait'] : []),
  ]);
  return stdout;
}
