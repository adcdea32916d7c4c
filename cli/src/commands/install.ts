import type { Command } from 'commander';
import { loadKubeConfig, rawRequest } from '@flotilla/kube';
import { provisionTools, resolveTool } from '@flotilla/toolchain';
import { cliContext, kubeconfigOf, progress, type CliContext } from '../context.js';
import { ExitError } from '../exit.js';
import { DEFAULT_NAMESPACE, DEFAULT_RELEASE } from '../install/chart.js';
import {
  applyNamespace,
  helmInstallArgs,
  helmMessage,
  helmUninstall,
  type InstallPlan,
} from '../install/helm.js';
import { run } from '@flotilla/runtime';
import { KUBECONFIG_HELP, summaryOf } from './summaries.js';

interface InstallFlags {
  namespace: string;
  release: string;
  kubeconfig?: string;
  values: string[];
  set: string[];
  wait?: boolean;
  timeout: string;
  dryRun?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** The provisioned helm and kubectl, fetched first if the cache lacks them. */
async function tools(ctx: CliContext): Promise<{ helm: string; kubectl: string }> {
  const opts = { cacheDir: ctx.cacheDir, overrides: ctx.overrides, path: ctx.env['PATH'] };
  const find = async () => ({
    helm: await resolveTool('helm', opts),
    kubectl: await resolveTool('kubectl', opts),
  });
  try {
    return await find();
  } catch {
    progress('fetching helm and kubectl into the tool cache');
    await provisionTools({ cacheDir: ctx.cacheDir, log: progress });
    return find();
  }
}

/** Fails with the server and the reason when the cluster does not answer. */
async function checkCluster(kubeconfig: string | undefined): Promise<string> {
  let server = 'in-cluster';
  try {
    const kc = loadKubeConfig(kubeconfig);
    server = kc.getCurrentCluster()?.server ?? server;
    const v = await rawRequest<{ gitVersion?: string }>(kc, { method: 'GET', path: '/version' });
    return `${server} (Kubernetes ${v.gitVersion ?? 'unknown'})`;
  } catch (err) {
    throw new ExitError(
      `cannot reach the cluster ${server}${kubeconfig ? ` of ${kubeconfig}` : ''}: ${(err as Error).message}`,
      1,
    );
  }
}

function clusterFlags(cmd: Command): Command {
  return cmd
    .option('-n, --namespace <ns>', 'namespace of the release', DEFAULT_NAMESPACE)
    .option('--release <name>', 'Helm release name', DEFAULT_RELEASE)
    .option('--kubeconfig <path>', KUBECONFIG_HELP)
    .option('--wait', 'wait until every Deployment is ready (and, for uninstall, gone)');
}

/** `flotilla install`: the chart in deploy/helm/flotilla, with the provisioned helm. */
export function registerInstall(program: Command): void {
  clusterFlags(program.command('install').description(summaryOf('install')))
    .option('-f, --values <file>', 'a values file (repeatable)', collect, [])
    .option('--set <key=value>', 'a chart value (repeatable)', collect, [])
    .option('--timeout <duration>', 'with --wait: how long to wait', '5m')
    .option('--dry-run', 'print the manifests it would apply, change nothing')
    .addHelpText(
      'after',
      `
Installs (or upgrades) Flotilla into a cluster: creates the namespace with the
restricted Pod Security Standard, then runs \`helm upgrade --install\` with the
chart's CRDs, one ServiceAccount per role and bundled NATS and Redis. Values are
listed in docs/install.md. No Helm on this machine is needed.

Examples:
  flotilla install
  flotilla install -n platform --set mode=all-in-one
  flotilla install -f prod-values.yaml --wait`,
    )
    .action(async (flags: InstallFlags) => {
      const ctx = cliContext();
      const { helm, kubectl } = await tools(ctx);
      const kubeconfig = kubeconfigOf(ctx, flags.kubeconfig);
      const plan: InstallPlan = {
        helm,
        kubectl,
        root: ctx.root,
        ...(kubeconfig ? { kubeconfig } : {}),
        release: flags.release,
        namespace: flags.namespace,
        valuesFiles: flags.values,
        set: flags.set,
        wait: flags.wait ?? false,
        timeout: flags.timeout,
      };
      if (flags.dryRun) {
        const args = helmInstallArgs(plan);
        args.splice(0, 2, 'template', '--include-crds');
        const out = await run(helm, args).catch((err: unknown) => {
          throw new ExitError(`the chart does not render: ${helmMessage(err)}`, 1);
        });
        process.stdout.write(out.stdout);
        return;
      }
      progress(`cluster ${await checkCluster(kubeconfig)}`);
      progress(`namespace ${plan.namespace} (restricted Pod Security Standard)`);
      await applyNamespace(plan).catch((err: unknown) => {
        throw new ExitError(`cannot create namespace ${plan.namespace}: ${helmMessage(err)}`, 1);
      });
      progress(
        `helm upgrade --install ${plan.release}${plan.wait ? ` (waiting up to ${plan.timeout})` : ''}`,
      );
      const out = await run(helm, helmInstallArgs(plan)).catch((err: unknown) => {
        throw new ExitError(`installing release ${plan.release} failed: ${helmMessage(err)}`, 1);
      });
      const revision = /REVISION: (\d+)/.exec(out.stdout)?.[1];
      progress(
        `release ${plan.release} revision ${revision ?? '?'} in namespace ${plan.namespace}`,
      );
      process.stdout.write(
        `Flotilla is installed in ${plan.namespace}. Next:\n` +
          `  flotilla kubectl -n ${plan.namespace} get pods\n` +
          `  flotilla app create ... -n ${plan.namespace}\n`,
      );
    });
}

/** `flotilla uninstall`: removes the release; CRDs, namespace and Applications stay. */
export function registerUninstall(program: Command): void {
  clusterFlags(program.command('uninstall').description(summaryOf('uninstall')))
    .addHelpText(
      'after',
      `
Removes the release \`flotilla install\` made. The CRDs, the namespace and the
Applications in it stay (delete them yourself: deleting the CRDs deletes every
Application). Resources the Applications deployed stay as they are.`,
    )
    .action(async (flags: Omit<InstallFlags, 'values' | 'set' | 'timeout'>) => {
      const ctx = cliContext();
      const { helm } = await tools(ctx);
      const kubeconfig = kubeconfigOf(ctx, flags.kubeconfig);
      progress(`cluster ${await checkCluster(kubeconfig)}`);
      progress(`helm uninstall ${flags.release} in namespace ${flags.namespace}`);
      await helmUninstall({
        helm,
        ...(kubeconfig ? { kubeconfig } : {}),
        release: flags.release,
        namespace: flags.namespace,
        wait: flags.wait ?? false,
      }).catch((err: unknown) => {
        throw new ExitError(`uninstalling release ${flags.release} failed: ${helmMessage(err)}`, 1);
      });
      process.stdout.write(
        `Flotilla release ${flags.release} is removed from ${flags.namespace}; the CRDs and Applications stay.\n`,
      );
    });
}
