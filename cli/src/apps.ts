import type { Command } from 'commander';
import { DEFAULT_NAMESPACE, type Application } from '@flotilla/api';
import { ApplicationClient, loadKubeConfig, type KubeConfig } from '@flotilla/kube';
import { KUBECONFIG_HELP } from './commands/summaries.js';
import { cliContext, kubeconfigOf } from './context.js';
import { ExitError, UsageError } from './exit.js';

/** The connection flags of the `app` commands. */
export interface ConnectionOpts {
  namespace?: string;
  kubeconfig?: string;
  /** `-N`: an Application's own namespace, outside the control namespace. */
  appNamespace?: string;
}

/** The cluster and the Applications namespace, from flags, then environment, then defaults. */
export function connect(opts: ConnectionOpts): { kc: KubeConfig; ns: string } {
  return { kc: loadKubeConfig(kubeconfigOf(cliContext(), opts.kubeconfig)), ns: namespaceOf(opts) };
}

/** The Applications namespace: `-N`, then `-n`, then FLOTILLA_NAMESPACE, then `flotilla`. */
export function namespaceOf(opts: ConnectionOpts): string {
  return (
    opts.appNamespace ??
    opts.namespace ??
    cliContext().env['FLOTILLA_NAMESPACE'] ??
    DEFAULT_NAMESPACE
  );
}

/** Adds `-N, --app-namespace`, as `argocd app` has it, for an app outside the control namespace. */
export function withAppNamespace(cmd: Command): Command {
  return cmd.option(
    '-N, --app-namespace <ns>',
    'namespace of the Application when it is not the control namespace (or name it <ns>/<name>)',
  );
}

/**
 * The namespace and name an app argument names: `<ns>/<name>` (as `argocd app
 * get` takes it), else `name` in {@link namespaceOf}. A `-N` that disagrees
 * with `<ns>/` is a usage error.
 */
export function appArgument(arg: string, opts: ConnectionOpts): { ns: string; name: string } {
  const slash = arg.indexOf('/');
  if (slash < 0) return { ns: namespaceOf(opts), name: arg };
  const [ns, name] = [arg.slice(0, slash), arg.slice(slash + 1)];
  if (!ns || !name || name.includes('/'))
    throw new UsageError(`${JSON.stringify(arg)}: name an app as <name> or <namespace>/<name>`);
  if (opts.appNamespace !== undefined && opts.appNamespace !== ns)
    throw new UsageError(`${arg} names namespace ${ns}, but -N says ${opts.appNamespace}`);
  return { ns, name };
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
