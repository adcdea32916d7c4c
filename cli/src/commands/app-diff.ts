import type { Command } from 'commander';
import type { Application } from '@flotilla/api';
import type { AppRef, ResourceKey } from '@flotilla/contracts';
import type { AppDiff, DiffObject, ResourceDiff } from '@flotilla/gitops';
import type { KubeConfig } from '@flotilla/kube';
import type { DesiredState } from '@flotilla/render';
import { connect, getApp, withAppNamespace, withConnection, type ConnectionOpts } from '../apps.js';
import { cliContext } from '../context.js';
import { ExitError, exitCodesHelp } from '../exit.js';
import { outputOption, print, useColor, type Output } from '../output.js';

/** `app diff` ends 0 without differences, 1 with some, 2 when it could not decide. */
const DIFF_EXIT = { same: 0, different: 1, error: 2 } as const;

export const DIFF_EXIT_CODES_HELP = `
Exit codes (as kubectl diff):
  0  no differences
  1  differences found
  2  could not compare: usage error, unknown application, never rendered,
     unreachable destination, or a resource that failed to compare`;

interface DiffOpts extends ConnectionOpts {
  redisUrl?: string;
  output: Output;
  color?: boolean;
}

/** What is compared with the live objects, and at which commits. */
interface Desired {
  readonly revisions: readonly string[];
  readonly objects: readonly Record<string, unknown>[];
}

/** Reads the rendered desired state; refuses, clearly, when there is none to compare. */
async function desiredFromRedis(url: string, ref: AppRef): Promise<DesiredState> {
  const { Redis } = await import('ioredis');
  const { DesiredStore } = await import('@flotilla/render');
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect().catch((err: Error) => {
      throw new ExitError(`cannot reach Redis at ${url}: ${err.message}`, DIFF_EXIT.error);
    });
    const state = await new DesiredStore(redis).get(ref);
    const where = `${ref.namespace}/${ref.name}`;
    if (!state)
      throw new ExitError(
        `application ${where} has never been rendered: there is no desired state in Redis at ${url} yet (is the renderer running?)`,
        DIFF_EXIT.error,
      );
    if (state.error && state.objects.length === 0 && !state.hash)
      throw new ExitError(
        `application ${where} has never been rendered successfully: ${state.error.message}`,
        DIFF_EXIT.error,
      );
    return state;
  } finally {
    redis.disconnect();
  }
}

/**
 * Compares desired with live the way the differ does (`compareApp`), through
 * a watch cache of the destination made for this one comparison.
 */
async function compare(
  kc: KubeConfig,
  ns: string,
  app: Application,
  ref: AppRef,
  desired: DiffObject[],
): Promise<AppDiff> {
  // Loaded here, so `flotilla --help` and the other commands never load them.
  const { ClusterCache, ClusterRegistry, compareApp } = await import('@flotilla/kube');
  let target;
  try {
    target = await new ClusterRegistry(kc, ns).resolve(app.spec?.destination);
  } catch (err) {
    throw new ExitError((err as Error).message, DIFF_EXIT.error);
  }
  const cache = new ClusterCache(target.kc);
  try {
    return await compareApp({ kc: target.kc, cache, app, ref, desired });
  } finally {
    cache.stop();
  }
}

const describeKey = (k: ResourceKey) =>
  `${k.group ? `${k.kind}.${k.group}` : k.kind} ${k.namespace ? `${k.namespace}/` : ''}${k.name}`;

const paint = (code: number) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
const red = paint(31);
const green = paint(32);
const cyan = paint(36);
const bold = paint(1);

/** Colours a unified diff as `git diff` does. */
function colourDiff(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (
        line.startsWith('+++') ||
        line.startsWith('---') ||
        line.startsWith('Index:') ||
        line.startsWith('====')
      )
        return bold(line);
      if (line.startsWith('@@')) return cyan(line);
      if (line.startsWith('+')) return green(line);
      if (line.startsWith('-')) return red(line);
      return line;
    })
    .join('\n');
}

/** What `-o json|yaml` prints for one resource. */
function asRecord(r: ResourceDiff) {
  return {
    group: r.key.group,
    kind: r.key.kind,
    namespace: r.key.namespace,
    name: r.key.name,
    status: r.status,
    ...(r.message ? { message: r.message } : {}),
    ...(r.requiresPruning ? { requiresPruning: true } : {}),
    changedPaths: r.changedPaths,
    diff: r.diff,
  };
}

/** `flotilla app diff NAME`. */
export function registerAppDiff(app: Command): void {
  const cmd = withAppNamespace(
    withConnection(
      app
        .command('diff')
        .description(
          'show how live resources differ from the last rendered desired state, as the differ compares them',
        ),
    ),
  )
    .argument('<name>')
    .option(
      '--redis-url <url>',
      "read the renderer's desired state from this Redis (env FLOTILLA_REDIS_URL) instead of rendering the app here from Git at the commits the differ compared",
    )
    .addOption(outputOption(['table', 'json', 'yaml']))
    .option('--color', 'colour the diff even when stdout is not a terminal')
    .option('--no-color', 'never colour the diff');
  exitCodesHelp(cmd, DIFF_EXIT_CODES_HELP).action(async (name: string, opts: DiffOpts) => {
    try {
      await diffCommand(name, opts);
    } catch (err) {
      // Any failure is "could not compare", never 1, which says "differences found".
      if (err instanceof ExitError) throw err;
      throw new ExitError((err as Error).message, DIFF_EXIT.error);
    }
  });
}

/**
 * The desired state: the renderer's, from Redis, when a Redis URL is given;
 * otherwise a render made here from Git at the commits the differ compared,
 * so a kubeconfig is all `app diff` needs.
 */
async function desiredOf(
  opts: DiffOpts,
  kc: KubeConfig,
  ns: string,
  application: Application,
): Promise<Desired> {
  const ctx = cliContext();
  const url = opts.redisUrl ?? ctx.env['FLOTILLA_REDIS_URL'];
  if (url) {
    const state = await desiredFromRedis(url, { namespace: ns, name: application.metadata!.name! });
    if (state.error)
      process.stderr.write(
        `warning: the last render failed (${state.error.message}); comparing the last good one\n`,
      );
    return state;
  }
  const { renderLocally } = await import('../render-local.js');
  const local = await renderLocally(ctx, kc, ns, application);
  if (!local.compared)
    process.stderr.write(
      `warning: the differ has not compared this app yet; rendered its sources as they are now (${local.revisions.map((r) => r.slice(0, 7)).join(', ')})\n`,
    );
  return local;
}

async function diffCommand(name: string, opts: DiffOpts): Promise<void> {
  const { kc, ns } = connect(opts);
  const ref = { namespace: ns, name };
  const application = await getApp(kc, ns, name, DIFF_EXIT.error);
  const state = await desiredOf(opts, kc, ns, application);
  const diff = await compare(kc, ns, application, ref, state.objects as DiffObject[]);
  const shown = diff.resources.filter((r) => r.status !== 'Shared');
  const colour = opts.output === 'table' && useColor(opts.color, process.env);
  print(
    {
      application: `${ns}/${name}`,
      revisions: state.revisions,
      status: diff.summary.status,
      resources: shown.map(asRecord),
      conditions: diff.summary.conditions,
    },
    opts.output,
    () =>
      shown
        .filter((r) => r.diff)
        .map((r) => (colour ? colourDiff(r.diff) : r.diff))
        .join(''),
  );
  if (opts.output === 'table') {
    for (const r of diff.resources) {
      if (r.status === 'Error')
        process.stderr.write(`error: ${describeKey(r.key)}: ${r.message ?? 'failed'}\n`);
      else if (r.status === 'Shared' || r.message)
        process.stderr.write(`warning: ${describeKey(r.key)}: ${r.message ?? ''}\n`);
    }
  }
  process.exitCode =
    diff.summary.status === 'Synced'
      ? DIFF_EXIT.same
      : diff.summary.status === 'OutOfSync'
        ? DIFF_EXIT.different
        : DIFF_EXIT.error;
}
