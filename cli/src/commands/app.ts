import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Application } from '@flotilla/api';
import { appNamespaceFilter } from '@flotilla/gitops';
import { ApplicationClient } from '@flotilla/kube';
import { parseApplicationNamespaces } from '@flotilla/runtime';
import {
  appArgument,
  connect,
  getApp,
  namespaceOf,
  withAppNamespace,
  withConnection,
  type ConnectionOpts,
} from '../apps.js';
import { columns, outputOption, print, short, type Output } from '../output.js';
import { parseSeconds } from '../parse.js';
import { UsageError } from '../exit.js';
import { refreshApp } from '../refresh.js';
import { formatSeconds, lastSync } from '../last-sync.js';
import { registerAppRollback } from './app-rollback.js';
import { registerAppCreate, registerAppImport } from './app-create.js';
import { registerAppDelete } from './app-delete.js';
import { registerAppDiff } from './app-diff.js';
import { summaryOf } from './summaries.js';
import { cliContext } from '../context.js';

interface AppOpts extends ConnectionOpts {
  output?: Output;
}

interface AppListOpts extends AppOpts {
  allNamespaces?: boolean;
  applicationNamespaces?: string;
}

const nsOf = (a: Application) => a.metadata?.namespace ?? '';
const nameOf = (a: Application) => a.metadata?.name ?? '';

/**
 * `app list -A`: the Applications of the namespaces the roles serve (the
 * control namespace, and those the application namespace patterns name, read
 * as the roles read FLOTILLA_APPLICATION_NAMESPACES), by namespace and name.
 * The others are not Flotilla's: they are counted on stderr, not listed.
 */
async function listServedApps(client: ApplicationClient, opts: AppListOpts) {
  if (opts.appNamespace !== undefined) throw new UsageError('use -A or -N, not both');
  let applicationNamespaces: string[];
  try {
    applicationNamespaces = parseApplicationNamespaces(
      opts.applicationNamespaces ?? cliContext().env['FLOTILLA_APPLICATION_NAMESPACES'],
    );
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const served = appNamespaceFilter({ namespace: namespaceOf(opts), applicationNamespaces });
  const all = await client.listAllNamespaces();
  const items = all.filter((a) => served(nsOf(a)));
  const skipped = [...new Set(all.map(nsOf))].filter((n) => !served(n));
  if (skipped.length > 0)
    process.stderr.write(
      `note: ${all.length - items.length} Application(s) in namespaces Flotilla does not serve left out (${skipped.sort().join(', ')}); --application-namespaces or FLOTILLA_APPLICATION_NAMESPACES names the served ones\n`,
    );
  return items.sort((a, b) => nsOf(a).localeCompare(nsOf(b)) || nameOf(a).localeCompare(nameOf(b)));
}

/** The `Last sync:` lines of `app get`: result, revision, when and how long; why, when it failed. */
function lastSyncLines(app: Parameters<typeof lastSync>[0]): string[] {
  const l = lastSync(app);
  if (!l) return ['Last sync:   never'];
  const revs = l.revisions.map(short).join(',');
  const when = l.finishedAt
    ? `finished ${l.finishedAt}`
    : l.startedAt
      ? `started ${l.startedAt}`
      : '';
  const took = l.durationSeconds !== undefined ? `took ${formatSeconds(l.durationSeconds)}` : '';
  return [
    `Last sync:   ${[`${l.result}${revs ? ` at ${revs}` : ''}`, when, took].filter(Boolean).join(', ')}`,
    ...(l.reason ? [`Reason:      ${l.reason}${l.message ? `: ${l.message}` : ''}`] : []),
  ];
}

/** `flotilla app ...`: what a kubectl or argocd user expects, over the Application CR. */
export function registerApp(program: Command): void {
  const app = program.command('app').description(summaryOf('app'));

  withAppNamespace(
    withConnection(app.command('list').description('list Applications with sync and health')),
  )
    .option(
      '-A, --all-namespaces',
      'Applications of every namespace Flotilla serves: the control namespace and those --application-namespaces names',
    )
    .option(
      '--application-namespaces <patterns>',
      'with -A: the other namespaces Flotilla serves, comma-separated globs or /regexps/ as the roles are given them (env FLOTILLA_APPLICATION_NAMESPACES; default none)',
    )
    .addOption(outputOption(['table', 'wide', 'json', 'yaml']))
    .addHelpText(
      'after',
      `
With -A the table starts with a NAMESPACE column, and -o json/yaml items carry
their metadata.namespace. Give -A the same --application-namespaces (or
FLOTILLA_APPLICATION_NAMESPACES) the roles run with; Applications of other
namespaces are not served, so they are left out and counted on stderr.`,
    )
    .action(async (opts: AppListOpts) => {
      const { kc, ns } = connect(opts);
      const items = opts.allNamespaces
        ? await listServedApps(new ApplicationClient(kc), opts)
        : await new ApplicationClient(kc).list(ns);
      print(items, opts.output, () => {
        const wide = opts.output === 'wide';
        const head = [
          ...(opts.allNamespaces ? ['NAMESPACE'] : []),
          'NAME',
          'SYNC',
          'HEALTH',
          'REVISION',
          ...(wide ? ['OPERATION', 'REPO', 'PATH', 'DESTINATION'] : []),
        ];
        return columns([
          head,
          ...items.map((a) => [
            ...(opts.allNamespaces ? [a.metadata?.namespace ?? ''] : []),
            a.metadata?.name ?? '',
            a.status?.sync?.status ?? 'Unknown',
            a.status?.health?.status ?? 'Unknown',
            short(a.status?.sync?.revision ?? a.status?.sync?.revisions?.[0]),
            ...(wide
              ? [
                  a.status?.operationState?.phase ?? '',
                  a.spec?.source?.repoURL ?? a.spec?.sources?.[0]?.repoURL ?? '',
                  a.spec?.source?.path ?? '',
                  `${a.spec?.destination?.server ?? a.spec?.destination?.name ?? ''}/${a.spec?.destination?.namespace ?? ''}`,
                ]
              : []),
          ]),
        ]);
      });
    });

  withAppNamespace(
    withConnection(
      app
        .command('get')
        .description(
          'an Application with its resources, their sync and health, and the last operation',
        )
        .addHelpText(
          'after',
          `
"Last sync" is the last sync operation (or, after other operations, the newest
history entry): its result, revision, finish time and duration. A failed sync
also shows its reason, one of those flotilla_sync_failures_total counts
(hook-failed, timeout, forbidden, invalid, conflict, render-failed, ...), and
its message.`,
        ),
    ),
  )
    .argument('<name>')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .option(
      '--refresh',
      'look at Git again first (a push just made shows) and print once the status answers',
    )
    .option('--hard', 'with --refresh: render again instead of using cached manifests')
    .option(
      '--timeout <seconds>',
      'with --refresh: print anyway after this long (exit code 1)',
      parseSeconds,
      120,
    )
    .action(
      async (
        arg: string,
        opts: AppOpts & { refresh?: boolean; hard?: boolean; timeout: number },
      ) => {
        const { kc } = connect(opts);
        const { ns, name } = appArgument(arg, opts);
        if (opts.hard && !opts.refresh) throw new UsageError('--hard needs --refresh');
        const app = opts.refresh
          ? await refreshApp(kc, ns, name, opts.hard ? 'hard' : 'normal', opts.timeout)
          : await getApp(kc, ns, name);
        print(app, opts.output, () => {
          const s = app.status;
          const op = s?.operationState;
          const lines = [
            `Name:        ${ns}/${name}`,
            `Sync:        ${s?.sync?.status ?? 'Unknown'} ${short(s?.sync?.revision)}`,
            `Health:      ${s?.health?.status ?? 'Unknown'}${s?.health?.message ? ` (${s.health.message})` : ''}`,
            ...(op ? [`Operation:   ${op.phase}${op.message ? `: ${op.message}` : ''}`] : []),
            ...lastSyncLines(app),
            ...(s?.conditions ?? []).map((c) => `Condition:   ${c.type}: ${c.message}`),
            '',
          ];
          const rows = [['KIND', 'NAMESPACE', 'NAME', 'SYNC', 'HEALTH']];
          for (const r of s?.resources ?? [])
            rows.push([
              r.kind ?? '',
              r.namespace ?? '',
              r.name ?? '',
              r.status ?? '',
              r.health?.status ?? '',
            ]);
          return lines.join('\n') + columns(rows);
        });
      },
    );

  withAppNamespace(
    withConnection(
      app
        .command('sync')
        .description('request a sync (written to Application.operation, as Argo CD does)'),
    ),
  )
    .argument('<name>')
    .option('--prune', 'delete resources Git no longer declares')
    .option('--dry-run', 'validate without changing anything')
    .option('--revision <rev>', 'sync this revision instead of the target')
    .option('--resource <group:kind:name...>', 'only these resources (selective sync)')
    .action(
      async (
        arg: string,
        opts: AppOpts & {
          prune?: boolean;
          dryRun?: boolean;
          revision?: string;
          resource?: string[];
        },
      ) => {
        const { kc } = connect(opts);
        const { ns, name } = appArgument(arg, opts);
        await getApp(kc, ns, name);
        const resources = (opts.resource ?? []).map((r) => {
          const [group = '', kind = '', resName = ''] = r.split(':');
          if (!kind || !resName)
            throw new Error(`--resource ${r}: use group:kind:name (group may be empty)`);
          return { group, kind, name: resName };
        });
        const operation = {
          sync: {
            ...(opts.revision ? { revision: opts.revision } : {}),
            ...(opts.prune ? { prune: true } : {}),
            ...(opts.dryRun ? { dryRun: true } : {}),
            ...(resources.length ? { resources } : {}),
          },
          initiatedBy: { username: userInfo().username },
        };
        await new ApplicationClient(kc).patchOperation({ namespace: ns, name }, operation);
        process.stderr.write(
          `sync of ${ns}/${name} requested; follow it with: flotilla app wait ${ns}/${name} --sync --health\n`,
        );
      },
    );

  withAppNamespace(
    withConnection(
      app
        .command('wait')
        .description('wait until the Application is synced and/or healthy and no operation runs'),
    ),
  )
    .argument('<name>')
    .option('--sync', 'wait for Synced')
    .option('--health', 'wait for Healthy')
    .option('--timeout <seconds>', 'give up after this long (exit code 1)', parseSeconds, 300)
    .action(
      async (
        arg: string,
        opts: AppOpts & { sync?: boolean; health?: boolean; timeout: number },
      ) => {
        const { kc } = connect(opts);
        const { ns, name } = appArgument(arg, opts);
        const deadline = Date.now() + opts.timeout * 1000;
        let last = '';
        for (;;) {
          const a = await getApp(kc, ns, name);
          const s = a.status;
          const op = s?.operationState;
          const line = `sync ${s?.sync?.status ?? 'Unknown'} | health ${s?.health?.status ?? 'Unknown'}${op ? ` | ${op.phase}${op.message ? `: ${op.message}` : ''}` : ''}`;
          if (line !== last) process.stderr.write(`› ${line}\n`);
          last = line;
          const done =
            (!opts.sync || s?.sync?.status === 'Synced') &&
            (!opts.health || s?.health?.status === 'Healthy') &&
            a.operation === undefined &&
            op?.phase !== 'Running' &&
            op?.phase !== 'Terminating';
          if (done) return;
          if (Date.now() > deadline) {
            process.stderr.write(`timed out after ${opts.timeout} s\n`);
            process.exitCode = 1;
            return;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      },
    );

  withAppNamespace(
    withConnection(app.command('history').description('successful syncs, newest last')),
  )
    .argument('<name>')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (arg: string, opts: AppOpts) => {
      const { kc } = connect(opts);
      const { ns, name } = appArgument(arg, opts);
      const history = (await getApp(kc, ns, name)).status?.history ?? [];
      print(history, opts.output, () =>
        columns([
          ['ID', 'DEPLOYED', 'REVISION'],
          ...history.map((h) => [
            String(h.id),
            h.deployedAt,
            short(h.revision ?? h.revisions?.[0]),
          ]),
        ]),
      );
    });

  registerAppRollback(app);

  withAppNamespace(
    withConnection(
      app
        .command('terminate-op')
        .description('stop the running operation: its hooks are deleted and it ends Failed'),
    ),
  )
    .argument('<name>')
    .action(async (arg: string, opts: AppOpts) => {
      const { kc } = connect(opts);
      const { ns, name } = appArgument(arg, opts);
      await getApp(kc, ns, name);
      const running = await new ApplicationClient(kc).terminate({ namespace: ns, name });
      process.stderr.write(
        running
          ? `termination of the operation of ${ns}/${name} requested\n`
          : `no operation of ${ns}/${name} is running\n`,
      );
    });

  registerAppDiff(app);
  registerAppCreate(app);
  registerAppImport(app);
  registerAppDelete(app);
}
