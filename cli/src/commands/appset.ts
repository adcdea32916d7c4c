import { Option, type Command } from 'commander';
import {
  API_VERSION,
  APPLICATION_SET,
  GROUP,
  VERSION,
  convertArgoYaml,
  isManifestParseError,
  type ApplicationSet,
} from '@flotilla/api';
import { ApiError, rawRequest, type KubeConfig } from '@flotilla/kube';
import { connect, namespaceOf, withConnection, type ConnectionOpts } from '../apps.js';
import { ExitError } from '../exit.js';
import { readInput } from '../manifests.js';
import { createAll } from './app-create.js';
import { columns, outputOption, print, type Output } from '../output.js';
import { summaryOf } from './summaries.js';

interface Opts extends ConnectionOpts {
  output?: Output;
}

const e = encodeURIComponent;
const setsPath = (ns: string, name?: string) =>
  `/apis/${GROUP}/${VERSION}/namespaces/${e(ns)}/${APPLICATION_SET.plural}${name === undefined ? '' : `/${e(name)}`}`;

async function getSet(kc: KubeConfig, ns: string, name: string): Promise<ApplicationSet> {
  try {
    return await rawRequest<ApplicationSet>(kc, { method: 'GET', path: setsPath(ns, name) });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404)
      throw new ExitError(`applicationset ${ns}/${name} not found`, 1);
    throw err;
  }
}

const condition = (s: ApplicationSet, type: string) =>
  s.status?.conditions?.find((c) => c.type === type);

const generatorKinds = (s: ApplicationSet) =>
  s.spec.generators
    .map((g) =>
      Object.keys(g)
        .filter((k) => k !== 'selector')
        .join('+'),
    )
    .join(', ');

/** `flotilla appset ...`: ApplicationSets, as `argocd appset` offers them. */
export function registerAppSet(program: Command): void {
  const appset = program.command('appset').description(summaryOf('appset'));

  withConnection(appset.command('list').description('list ApplicationSets with their state'))
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (opts: Opts) => {
      const { kc, ns } = connect(opts);
      const list = await rawRequest<{ items: ApplicationSet[] }>(kc, {
        method: 'GET',
        path: setsPath(ns),
      });
      print(list.items, opts.output, () =>
        columns([
          ['NAME', 'GENERATORS', 'APPLICATIONS', 'UP-TO-DATE', 'ERROR'],
          ...list.items.map((s) => [
            s.metadata.name ?? '',
            generatorKinds(s),
            String(s.status?.resources?.length ?? 0),
            condition(s, 'ResourcesUpToDate')?.status ?? 'Unknown',
            condition(s, 'ErrorOccurred')?.status === 'True'
              ? (condition(s, 'ErrorOccurred')?.reason ?? '')
              : '',
          ]),
        ]),
      );
    });

  withConnection(
    appset
      .command('get')
      .description('show an ApplicationSet: generators, conditions and generated Applications')
      .argument('<name>'),
  )
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (name: string, opts: Opts) => {
      const { kc, ns } = connect(opts);
      const s = await getSet(kc, ns, name);
      print(s, opts.output, () => {
        const lines = [
          `Name:          ${ns}/${name}`,
          `Generators:    ${generatorKinds(s)}`,
          `Templates:     ${s.spec.goTemplate ? `Go (${(s.spec.goTemplateOptions ?? []).join(' ') || 'no options'})` : '{{param}}'}`,
          `Sync policy:   ${s.spec.syncPolicy?.applicationsSync ?? 'sync'}${s.spec.syncPolicy?.preserveResourcesOnDeletion ? ', resources preserved on deletion' : ''}`,
          '',
          'CONDITION             STATUS   REASON                                   MESSAGE',
          ...(s.status?.conditions ?? []).map(
            (c) =>
              `${c.type.padEnd(21)} ${c.status.padEnd(8)} ${(c.reason ?? '').padEnd(40)} ${c.message ?? ''}`,
          ),
          '',
        ];
        const apps = s.status?.resources ?? [];
        // A RollingSync set adds each app's step and rollout state.
        const rollout = new Map((s.status?.applicationStatus ?? []).map((e) => [e.application, e]));
        const rolling = rollout.size > 0;
        return (
          lines.join('\n') +
          '\n' +
          columns([
            ['APPLICATION', 'SYNC', 'HEALTH', ...(rolling ? ['STEP', 'ROLLOUT'] : [])],
            ...apps.map((a) => [
              a.name,
              a.status ?? 'Unknown',
              a.health?.status ?? 'Unknown',
              ...(rolling
                ? [rollout.get(a.name)?.step ?? '-', rollout.get(a.name)?.status ?? '-']
                : []),
            ]),
          ])
        );
      });
    });

  withConnection(
    appset
      .command('create')
      .description('create ApplicationSets from a file; Argo CD ones are converted first'),
  )
    .requiredOption('-f, --file <file>', 'YAML or JSON, one or many documents; - reads stdin')
    .option('--upsert', 'replace the spec, labels and annotations of existing ones')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(async (opts: Opts & { file: string; upsert?: boolean }) => {
      const ns = namespaceOf(opts);
      let converted;
      try {
        converted = convertArgoYaml(await readInput(opts.file), { namespace: ns });
      } catch (err) {
        if (isManifestParseError(err)) throw new ExitError(`${opts.file}: ${err.message}`, 1);
        throw err;
      }
      for (const w of converted.warnings) process.stderr.write(`warning: ${w}\n`);
      const docs = converted.documents.map((d) => ({
        index: d.index,
        object: d.object as Record<string, unknown>,
      }));
      if (docs.length === 0) throw new ExitError(`${opts.file}: no objects found`, 1);
      const others = docs.filter(
        (d) => d.object['apiVersion'] !== API_VERSION || d.object['kind'] !== APPLICATION_SET.kind,
      );
      if (others.length > 0)
        throw new ExitError(
          `invalid input, nothing was created:\n${others
            .map((d) => `${opts.file}: document ${d.index}: not an ApplicationSet`)
            .join('\n')}`,
          1,
        );
      await createAll(docs, { ...opts, output: opts.output ?? 'table' });
    });

  withConnection(
    appset
      .command('delete')
      .description('delete an ApplicationSet and, unless --cascade=false, its Applications')
      .argument('<name>'),
  )
    .addOption(
      new Option('--cascade <bool>', 'delete the generated Applications too')
        .choices(['true', 'false'])
        .default('true'),
    )
    .addHelpText(
      'after',
      `
With --cascade=false the Applications stay, no longer owned by any set.
Deleted Applications delete their resources unless the set has
syncPolicy.preserveResourcesOnDeletion (they were generated without the
resources finalizer then).`,
    )
    .action(async (name: string, opts: Opts & { cascade: string }) => {
      const { kc, ns } = connect(opts);
      await getSet(kc, ns, name);
      await rawRequest(kc, {
        method: 'DELETE',
        path: setsPath(ns, name),
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: opts.cascade === 'false' ? 'Orphan' : 'Background',
        },
      });
      process.stdout.write(`applicationset ${ns}/${name} deleted\n`);
    });
}
