import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { Finalizer, type Application } from '@flotilla/api';
import { ApiError, ApplicationClient, type KubeConfig } from '@flotilla/kube';
import {
  connect,
  findApp,
  getApp,
  withAppNamespace,
  withConnection,
  type ConnectionOpts,
} from '../apps.js';
import { ExitError, UsageError } from '../exit.js';
import { parseSeconds } from '../parse.js';

interface DeleteOpts extends ConnectionOpts {
  cascade: boolean;
  propagationPolicy: 'foreground' | 'background';
  yes?: boolean;
  wait?: boolean;
  timeout: number;
}

/** `--cascade`, `--cascade=true` or `--cascade=false`. */
function parseBool(value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('use true or false');
}

const metaOf = (a: Application) =>
  (a.metadata ?? {}) as {
    finalizers?: string[];
    resourceVersion?: string;
    deletionTimestamp?: string;
  };

/**
 * Sets the app's resources finalizer as `cascade` says (adds one for the
 * propagation policy unless one, in either spelling, is there; removes them
 * all, Argo CD's spellings too, otherwise), guarded
 * by resourceVersion and retried when someone else wrote in between.
 */
async function setCascade(
  kc: KubeConfig,
  ns: string,
  name: string,
  cascade: boolean,
  finalizer: string,
): Promise<void> {
  // Loaded on use: the planning library is not needed by the other app commands.
  const { RESOURCES_FINALIZERS } = await import('@flotilla/gitops');
  for (let attempt = 0; ; attempt++) {
    const app = await getApp(kc, ns, name);
    const meta = metaOf(app);
    const current = meta.finalizers ?? [];
    const has = current.some((f) => RESOURCES_FINALIZERS.includes(f));
    if (cascade === has) return;
    if (cascade && meta.deletionTimestamp)
      throw new ExitError(
        `application ${ns}/${name} is already being deleted without cascade; its resources stay`,
        1,
      );
    const finalizers = cascade
      ? [...current, finalizer]
      : current.filter((f) => !RESOURCES_FINALIZERS.includes(f));
    try {
      await new ApplicationClient(kc).mergePatch(
        { namespace: ns, name },
        { metadata: { finalizers, resourceVersion: meta.resourceVersion } },
      );
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409) || attempt >= 4) throw err;
    }
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

async function waitGone(kc: KubeConfig, ns: string, name: string, timeoutS: number): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  while (await findApp(kc, ns, name)) {
    if (Date.now() > deadline)
      throw new ExitError(
        `application ${ns}/${name} still exists after ${timeoutS} s (its finalizers have not finished)`,
        1,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `flotilla app delete NAME...`. */
export function registerAppDelete(app: Command): void {
  withAppNamespace(
    withConnection(
      app
        .command('delete')
        .description('delete Applications; by default their resources are pruned too (cascade)'),
    ),
  )
    .argument('<name...>')
    .addOption(
      new Option(
        '--cascade [bool]',
        'true: the applier prunes the resources first; false: they stay in the cluster',
      )
        .argParser(parseBool)
        .default(true),
    )
    .addOption(
      new Option('--propagation-policy <policy>', 'how cascaded resources are deleted')
        .choices(['foreground', 'background'])
        .default('foreground'),
    )
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--wait', 'wait until each Application is gone')
    .option('--timeout <seconds>', 'how long --wait waits (then exit code 1)', parseSeconds, 300)
    .addHelpText(
      'after',
      `
With --cascade (the default) the finalizer ${Finalizer.Resources}
is added before the delete, so the applier prunes the app's resources and then
lets the Application go. --cascade=false removes that finalizer: the
Application goes, its resources stay. Without --yes the command asks on a
terminal, and refuses (exit code 2) when stdin is not one.`,
    )
    .action(async (names: string[], opts: DeleteOpts) => {
      const { kc, ns } = connect(opts);
      const finalizer =
        opts.propagationPolicy === 'background'
          ? Finalizer.ResourcesBackground
          : Finalizer.Resources;
      for (const name of names) await getApp(kc, ns, name);
      if (!opts.yes) {
        if (!process.stdin.isTTY)
          throw new UsageError('not deleting without confirmation: pass --yes');
        const what = opts.cascade ? 'and prune all its resources' : '(its resources stay)';
        for (const name of names)
          if (!(await confirm(`Delete application ${ns}/${name} ${what}?`))) {
            process.stderr.write('nothing deleted\n');
            process.exitCode = 1;
            return;
          }
      }
      for (const name of names) {
        await setCascade(kc, ns, name, opts.cascade, finalizer);
        try {
          await new ApplicationClient(kc).delete({ namespace: ns, name });
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
        }
        process.stdout.write(
          `application ${ns}/${name} deleted${opts.cascade ? ' (its resources are being pruned)' : ' (its resources stay)'}\n`,
        );
      }
      if (opts.wait) for (const name of names) await waitGone(kc, ns, name, opts.timeout);
    });
}
