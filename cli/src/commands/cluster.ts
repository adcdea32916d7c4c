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
import type { ClusterReport } from '@flotilla/render';
import { connect, withConnection, type ConnectionOpts } from '../apps.js';
import { cliContext } from '../context.js';
import { ExitError } from '../exit.js';
import { columns, outputOption, print, type Output } from '../output.js';
import { summaryOf } from './summaries.js';

interface ClusterOpts extends ConnectionOpts {
  output?: Output;
  redisUrl?: string;
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
  /** Objects in the differ's watch cache of the cluster, as the differ last reported. */
  resourcesCached?: number;
  /** The last connection error the differ met with the cluster, and when it began. */
  lastError?: string;
  lastErrorAt?: string;
}

/** The differ's reports by server, or why they could not be read; none without a Redis URL. */
async function cacheReports(
  opts: ClusterOpts,
  ns: string,
): Promise<{ reports?: Map<string, ClusterReport>; problem?: string }> {
  const url = opts.redisUrl ?? cliContext().env['FLOTILLA_REDIS_URL'];
  if (!url) return {};
  const { Redis } = await import('ioredis');
  const { ClusterReports } = await import('@flotilla/render');
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    connectTimeout: 5_000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const read = await new ClusterReports(redis, ns).read();
    return { reports: new Map([...read].map(([server, r]) => [trim(server), r])) };
  } catch (err) {
    // The host only: a Redis URL may carry a password.
    const host = URL.canParse(url) ? new URL(url).host : 'the given URL';
    return {
      problem: `cannot read the differ's cluster reports from Redis at ${host}: ${(err as Error).message}`,
    };
  } finally {
    redis.disconnect();
  }
}

/** What the differ reported of `c`'s cache, when it did. */
function cached(c: ClusterView, report: ClusterReport | undefined): ClusterView {
  if (!report) return c;
  return {
    ...c,
    resourcesCached: report.resources,
    ...(report.lastError ? { lastError: report.lastError } : {}),
    ...(report.lastErrorAt ? { lastErrorAt: report.lastErrorAt } : {}),
  };
}

/** The MESSAGE column: why it fails now, else the last error the differ met. */
const messageOf = (c: ClusterView) =>
  c.error ?? (c.lastError ? `last error at ${c.lastErrorAt ?? '?'}: ${c.lastError}` : '');

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
  const [all, apps, { reports, problem }] = await Promise.all([
    new ClusterRegistry(kc, ns).list(),
    new ApplicationClient(kc).list(ns),
    cacheReports(opts, ns),
  ]);
  if (problem) process.stderr.write(`warning: ${problem}\n`);
  const views = await Promise.all(all.map((c) => view(c, apps)));
  return views.map((v) => cached(v, reports?.get(trim(v.server))));
}

/** `--redis-url`, where the differ's cache reports are read. */
const withRedis = (cmd: Command) =>
  cmd.option(
    '--redis-url <url>',
    "read the differ's per-cluster cache reports (resources cached, last error) from this Redis (env FLOTILLA_REDIS_URL)",
  );

/** `flotilla cluster list|get`: the destination clusters and whether they answer. */
export function registerCluster(program: Command): void {
  const cluster = program.command('cluster').description(summaryOf('cluster'));

  withRedis(
    withConnection(
      cluster
        .command('list')
        .description('list destination clusters: in-cluster and those of cluster Secrets'),
    ),
  )
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (opts: ClusterOpts) => {
      const items = await clusters(opts);
      print(items, opts.output, () =>
        columns([
          ['NAME', 'SERVER', 'VERSION', 'STATUS', 'APPS', 'CACHED', 'MESSAGE'],
          ...items.map((c) => [
            c.name,
            c.server,
            c.version ?? '',
            c.reachable ? 'Reachable' : 'Unreachable',
            String(c.apps.length),
            c.resourcesCached === undefined ? '' : String(c.resourcesCached),
            messageOf(c),
          ]),
        ]),
      );
    });

  withRedis(
    withConnection(
      cluster
        .command('get')
        .description('one destination cluster, by name or server URL')
        .argument('<cluster>', `name (${IN_CLUSTER_NAME} for Flotilla's own) or server URL`),
    ),
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
          ['Resources cached:', c.resourcesCached === undefined ? '' : String(c.resourcesCached)],
          ...(c.lastError ? [['Last error:', `${c.lastErrorAt ?? '?'}: ${c.lastError}`]] : []),
        ]),
      );
      if (!c.reachable) process.exitCode = 1;
    });
}
