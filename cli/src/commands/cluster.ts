import type { Command } from 'commander';
import type { Application } from '@flotilla/api';
import {
  ApplicationClient,
  ClusterRegistry,
  IN_CLUSTER_NAME,
  IN_CLUSTER_SERVER,
  describeConnectionError,
  rawRequest,
  type ClusterTarget,
  type UnusableCluster,
} from '@flotilla/kube';
import { connect, withConnection, type ConnectionOpts } from '../apps.js';
import { ExitError } from '../exit.js';
import { columns, outputOption, print, type Output } from '../output.js';
import { summaryOf } from './summaries.js';

interface ClusterOpts extends ConnectionOpts {
  output?: Output;
}

/** One destination cluster as `flotilla cluster list|get` shows it. */
export interface ClusterView {
  name: string;
  server: string;
  reachable: boolean;
  version?: string;
  apps: string[];
  /** Why it cannot be reached or used; never its credentials. */
  error?: string;
}

const trim = (s: string) => s.replace(/\/+$/, '');

/** Whether an app's destination is this cluster (no destination: in-cluster). */
function targets(app: Application, c: { name: string; server: string }): boolean {
  const d = app.spec?.destination;
  if (d?.server) return trim(d.server) === trim(c.server);
  if (d?.name) return d.name === c.name;
  return c.server === IN_CLUSTER_SERVER;
}

async function view(
  c: ClusterTarget | UnusableCluster,
  apps: readonly Application[],
): Promise<ClusterView> {
  const base = {
    name: c.name,
    server: c.server,
    apps: apps.filter((a) => targets(a, c)).map((a) => a.metadata?.name ?? ''),
  };
  if ('problem' in c) return { ...base, reachable: false, error: c.problem };
  try {
    const v = await rawRequest<{ gitVersion?: string }>(c.kc, {
      method: 'GET',
      path: '/version',
      timeoutMs: 5_000,
    });
    return { ...base, reachable: true, ...(v.gitVersion ? { version: v.gitVersion } : {}) };
  } catch (err) {
    return { ...base, reachable: false, error: describeConnectionError(err) };
  }
}

async function clusters(opts: ClusterOpts): Promise<ClusterView[]> {
  const { kc, ns } = connect(opts);
  const [all, apps] = await Promise.all([
    new ClusterRegistry(kc, ns).list(),
    new ApplicationClient(kc).list(ns),
  ]);
  return Promise.all(all.map((c) => view(c, apps)));
}

/** `flotilla cluster list|get`: the destination clusters and whether they answer. */
export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description(summaryOf('cluster'));

  withConnection(
    cluster
      .command('list')
      .description('list destination clusters: in-cluster and those of cluster Secrets'),
  )
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (opts: ClusterOpts) => {
      const items = await clusters(opts);
      print(items, opts.output, () =>
        columns([
          ['NAME', 'SERVER', 'VERSION', 'STATUS', 'APPS', 'MESSAGE'],
          ...items.map((c) => [
            c.name,
            c.server,
            c.version ?? '',
            c.reachable ? 'Reachable' : 'Unreachable',
            String(c.apps.length),
            c.error ?? '',
          ]),
        ]),
      );
    });

  withConnection(
    cluster
      .command('get')
      .description('one destination cluster, by name or server URL')
      .argument('<cluster>', `name (${IN_CLUSTER_NAME} for Flotilla's own) or server URL`),
  )
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (which: string, opts: ClusterOpts) => {
      const items = await clusters(opts);
      const c = items.find((x) => x.name === which || trim(x.server) === trim(which));
      if (!c)
        throw new ExitError(
          `no cluster ${which}; known: ${items.map((x) => x.name).join(', ')}`,
          1,
        );
      print(c, opts.output, () =>
        columns([
          ['Name:', c.name],
          ['Server:', c.server],
          ['Version:', c.version ?? ''],
          ['Status:', c.reachable ? 'Reachable' : 'Unreachable'],
          ...(c.error ? [['Message:', c.error]] : []),
          ['Apps:', c.apps.join(', ')],
        ]),
      );
      if (!c.reachable) process.exitCode = 1;
    });
}
