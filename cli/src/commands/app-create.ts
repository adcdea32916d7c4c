import type { Command } from 'commander';
import { convertArgoYaml, isManifestParseError } from '@flotilla/api';
import { connect, namespaceOf, withConnection, type ConnectionOpts } from '../apps.js';
import { ExitError } from '../exit.js';
import {
  createObject,
  parseDocuments,
  readInput,
  validateDocuments,
  type ManifestDoc,
} from '../manifests.js';
import { outputOption, print, type Output } from '../output.js';

/** What `createAll` takes from the flags. */
export interface CreateOpts extends ConnectionOpts {
  file: string;
  upsert?: boolean;
  output: Output;
}

/** Validates every document, then creates them in order, reporting each. */
export async function createAll(docs: ManifestDoc[], opts: CreateOpts): Promise<void> {
  const { kc, ns } = connect(opts);
  const objects = validateDocuments(docs, opts.file, ns, opts.namespace !== undefined);
  const results = [];
  for (const object of objects) {
    const r = await createObject(kc, object, opts.upsert === true);
    results.push(r.object);
    const meta = r.object['metadata'] as { name: string; namespace: string };
    if (opts.output === 'table')
      process.stdout.write(
        `${String(r.object['kind']).toLowerCase()} ${meta.namespace}/${meta.name} ${r.outcome}\n`,
      );
  }
  if (opts.output !== 'table')
    print(results.length === 1 ? results[0] : results, opts.output, () => '');
}

/** `flotilla app create -f FILE`. */
export function registerAppCreate(app: Command): void {
  withConnection(
    app
      .command('create')
      .description('create Applications (and AppProjects) from a YAML or JSON file'),
  )
    .requiredOption('-f, --file <file>', 'YAML or JSON, one or many documents; - reads stdin')
    .option('--upsert', 'replace the spec, labels, annotations and finalizers of existing ones')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .addHelpText(
      'after',
      `
Every document is validated first; when one is invalid, nothing is created.
An object that exists with the same spec is left alone; with another spec
that is an error unless --upsert is given.`,
    )
    .action(async (opts: CreateOpts) => {
      const text = await readInput(opts.file);
      await createAll(parseDocuments(text, opts.file), opts);
    });
}

/** `flotilla app import -f argo-app.yaml`. */
export function registerAppImport(app: Command): void {
  withConnection(
    app
      .command('import')
      .description(
        'convert Argo CD Applications, AppProjects and ApplicationSets to Flotilla ones and create them',
      ),
  )
    .requiredOption('-f, --file <file>', 'Argo CD manifests, one or many documents; - reads stdin')
    .option('--dry-run', 'print the converted YAML; create nothing')
    .option('--upsert', 'replace the spec, labels, annotations and finalizers of existing ones')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .addHelpText(
      'after',
      `
Fields Flotilla does not support are dropped, each with a warning on stderr.
Objects in Argo CD's namespace (argocd) move to --namespace.`,
    )
    .action(async (opts: CreateOpts & { dryRun?: boolean }) => {
      const ns = namespaceOf(opts);
      const text = await readInput(opts.file);
      let converted;
      try {
        converted = convertArgoYaml(text, { namespace: ns });
      } catch (err) {
        if (isManifestParseError(err)) throw new ExitError(`${opts.file}: ${err.message}`, 1);
        throw err;
      }
      for (const w of converted.warnings) process.stderr.write(`warning: ${w}\n`);
      if (converted.documents.length === 0)
        throw new ExitError(`${opts.file}: no objects found`, 1);
      if (opts.dryRun) {
        if (opts.output === 'table') process.stdout.write(converted.yaml);
        else {
          const objects = converted.documents.map((d) => d.object);
          print(objects.length === 1 ? objects[0] : objects, opts.output, () => '');
        }
        return;
      }
      const docs = converted.documents.map((d) => ({
        index: d.index,
        object: d.object as Record<string, unknown>,
      }));
      await createAll(docs, opts);
    });
}
