import type { Command } from 'commander';
import { DEFAULT_NAMESPACE, type Application } from '@flotilla/api';
import { ApplicationClient, loadKubeConfig, type KubeConfig } from '@flotilla/kube';
import { KUBECONFIG_HELP } from './commands/summaries.js';
import { cliContext, kubeconfigOf } from './context.js';
import { ExitError } from './exit.js';

/** The connection flags of the `app` commands. */
export interface ConnectionOpts {
  namespace?: string;
  kubeconfig?: string;
}

/** The cluster and the Applications namespace, from flags, then environment, then defaults. */
export function connect(opts: ConnectionOpts): { kc: KubeConfig; ns: string } {
  return { kc: loadKubeConfig(kubeconfigOf(cliContext(), opts.kubeconfig)), ns: namespaceOf(opts) };
}

/** The Applications namespace: `-n`, then FLOTILLA_NAMESPACE, then `flotilla`. */
export function namespaceOf(opts: ConnectionOpts): string {
  return opts.namespace ?? cliContext().env['FLOTILLA_NAMESPACE'] ?? DEFAULT_NAMESPACE;
}

/** Adds `-n` and `--kubeconfig`. */
export function withConnection(cmd: Command): Command {
  return cmd
    .option(
      '-n, --namespace <ns>',
      'namespace of the Applications (env FLOTILLA_NAMESPACE; default flotilla)',
    )
    .option('--kubeconfig <path>', KUBECONFIG_HELP);
}

/** `--nats-url`, then FLOTILLA_NATS_URL, then the local default. */
export function natsUrl(flag: string | undefined): string {
  return flag ?? cliContext().env['FLOTILLA_NATS_URL'] ?? 'nats://127.0.0.1:4222';
}

/** Reads an Application; a missing one is a clear error. */
export async function getApp(
  kc: KubeConfig,
  ns: string,
  name: string,
  exitCode = 1,
): Promise<Application> {
  const app = await findApp(kc, ns, name);
  if (!app) throw new ExitError(`application ${ns}/${name} not found`, exitCode);
  return app;
}

/** Reads an Application; undefined when there is none. */
export async function findApp(
  kc: KubeConfig,
  ns: string,
  name: string,
): Promise<Application | undefined> {
  return new ApplicationClient(kc).get({ namespace: ns, name });
}
