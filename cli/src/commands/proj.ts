import type { Command } from 'commander';
import { APP_PROJECT, type AppProject } from '@flotilla/api';
import { nextOpening, openPeriod, projectNameOf } from '@flotilla/gitops';
import { ApplicationClient, ProjectClient } from '@flotilla/kube';
import { connect, withConnection, type ConnectionOpts } from '../apps.js';
import { ExitError, UsageError } from '../exit.js';
import { parseDocuments, readInput } from '../manifests.js';
import { columns, outputOption, print, type Output } from '../output.js';
import { createAll, type CreateOpts } from './app-create.js';
import { summaryOf } from './summaries.js';

interface ProjOpts extends ConnectionOpts {
  output?: Output;
}

const count = (list: readonly unknown[] | undefined) => String(list?.length ?? 0);
const joined = (list: readonly string[] | undefined) =>
  list === undefined || list.length === 0 ? '<none>' : list.join(',');
const destinations = (p: AppProject) =>
  joined(p.spec.destinations?.map((d) => `${d.server ?? d.name ?? ''}/${d.namespace ?? ''}`) ?? []);
const kinds = (list: readonly { group: string; kind: string }[] | undefined) =>
  list === undefined ? '<unset>' : joined(list.map((gk) => `${gk.group || '""'}/${gk.kind}`));

async function getProject(opts: ProjOpts, name: string): Promise<AppProject> {
  const { kc, ns } = connect(opts);
  const p = await new ProjectClient(kc).get(ns, name);
  if (!p) throw new ExitError(`project ${ns}/${name} not found`, 1);
  return p;
}

/** `flotilla proj ...`: AppProjects, as `argocd proj` shows them. */
export function registerProj(program: Command): void {
  const proj = program.command('proj').description(summaryOf('proj'));

  withConnection(proj.command('list').description('list AppProjects with what each allows'))
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (opts: ProjOpts) => {
      const { kc, ns } = connect(opts);
      const items = await new ProjectClient(kc).list(ns);
      print(items, opts.output, () =>
        columns([
          ['NAME', 'DESCRIPTION', 'SOURCES', 'DESTINATIONS', 'CLUSTER-RESOURCES', 'WINDOWS'],
          ...items.map((p) => [
            p.metadata.name ?? '',
            p.spec.description ?? '',
            joined(p.spec.sourceRepos),
            destinations(p),
            kinds(p.spec.clusterResourceWhitelist),
            count(p.spec.syncWindows),
          ]),
        ]),
      );
    });

  withConnection(proj.command('get').description('an AppProject and each of its rules'))
    .argument('<name>')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (name: string, opts: ProjOpts) => {
      const p = await getProject(opts, name);
      const s = p.spec;
      print(p, opts.output, () =>
        [
          `Name:                         ${p.metadata.namespace ?? ''}/${name}`,
          `Description:                  ${s.description ?? ''}`,
          `Source repositories:          ${joined(s.sourceRepos)}`,
          `Source namespaces:            ${joined(s.sourceNamespaces)}`,
          `Destinations:                 ${destinations(p)}`,
          `Cluster resource whitelist:   ${kinds(s.clusterResourceWhitelist)}`,
          `Cluster resource blacklist:   ${kinds(s.clusterResourceBlacklist)}`,
          `Namespace resource whitelist: ${kinds(s.namespaceResourceWhitelist)}`,
          `Namespace resource blacklist: ${kinds(s.namespaceResourceBlacklist)}`,
          `Sync windows:                 ${count(s.syncWindows)}`,
          `Signature keys:               ${joined(s.signatureKeys?.map((k) => k.keyID))}`,
          '',
        ].join('\n'),
      );
    });

  withConnection(
    proj
      .command('windows')
      .description("a project's sync windows: which are open now and when each opens next"),
  )
    .argument('<name>')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (name: string, opts: ProjOpts) => {
      const p = await getProject(opts, name);
      const now = new Date();
      const rows = (p.spec.syncWindows ?? []).map((w) => {
        const open = openPeriod(w, now);
        return {
          ...w,
          open: open !== undefined,
          ...(open ? { openUntil: open.until.toISOString() } : {}),
          nextOpening: nextOpening(w, now)?.toISOString() ?? '',
        };
      });
      print(rows, opts.output, () =>
        columns([
          ['KIND', 'SCHEDULE', 'DURATION', 'TIMEZONE', 'MANUAL', 'MATCHES', 'OPEN', 'NEXT-OPENING'],
          ...rows.map((w) => [
            w.kind,
            w.schedule,
            w.duration,
            w.timeZone ?? 'UTC',
            w.manualSync ? 'yes' : 'no',
            [
              w.applications?.length ? `apps=${w.applications.join(',')}` : '',
              w.namespaces?.length ? `namespaces=${w.namespaces.join(',')}` : '',
              w.clusters?.length ? `clusters=${w.clusters.join(',')}` : '',
            ]
              .filter(Boolean)
              .join(w.andOperator ? ' and ' : ' or '),
            w.open ? `yes, until ${w.openUntil ?? ''}` : 'no',
            w.nextOpening,
          ]),
        ]),
      );
    });

  withConnection(proj.command('create').description('create AppProjects from a YAML or JSON file'))
    .requiredOption('-f, --file <file>', 'YAML or JSON, one or many documents; - reads stdin')
    .option('--upsert', 'replace the spec, labels, annotations and finalizers of existing ones')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .addHelpText(
      'after',
      `
Every document must be a flotilla.dev AppProject and is validated first; when
one is invalid, nothing is created. Argo CD AppProjects are converted by
\`flotilla app import\`.`,
    )
    .action(async (opts: CreateOpts) => {
      const docs = parseDocuments(await readInput(opts.file), opts.file);
      const other = docs.find((d) => d.object['kind'] !== APP_PROJECT.kind);
      if (other)
        throw new ExitError(
          `${opts.file}: document ${other.index}: kind ${String(other.object['kind'])}; \`flotilla proj create\` takes AppProjects only`,
          1,
        );
      await createAll(docs, opts);
    });

  withConnection(proj.command('delete').description('delete AppProjects that no Application names'))
    .argument('<names...>')
    .action(async (names: string[], opts: ProjOpts) => {
      if (names.length === 0) throw new UsageError('name at least one project');
      const { kc, ns } = connect(opts);
      const client = new ProjectClient(kc);
      // As Argo CD: a project apps still name is not deleted (they would stop syncing).
      const apps = await new ApplicationClient(kc).list(ns);
      for (const name of names) {
        const users = apps.filter((a) => projectNameOf(a) === name).map((a) => a.metadata?.name);
        if (users.length > 0)
          throw new ExitError(
            `project ${ns}/${name} is used by ${users.length} application(s): ${users.join(', ')}; move or delete them first`,
            1,
          );
      }
      for (const name of names) {
        if (!(await client.delete(ns, name)))
          throw new ExitError(`project ${ns}/${name} not found`, 1);
        process.stdout.write(`appproject ${ns}/${name} deleted\n`);
      }
    });
}
