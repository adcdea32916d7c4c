// `flotilla app rollback NAME ID`: sync the app back to one of its history
// entries, as `argocd app rollback` does: the entry's revision and source
// with the apply strategy (no hooks), refused while automated sync is on.
import { userInfo } from 'node:os';
import { CommanderError, InvalidArgumentError, Option, type Command } from 'commander';
import type { Application, OperationState } from '@flotilla/api';
import { planRollback } from '@flotilla/gitops';
import { ApiError, rawRequest, type KubeConfig } from '@flotilla/kube';

type Output = 'table' | 'json' | 'yaml';

interface RollbackOpts {
  namespace?: string;
  kubeconfig?: string;
  output: Output;
  prune?: boolean;
  dryRun?: boolean;
  async?: boolean;
  timeout: number;
}

/** What the command borrows from `flotilla app`. */
export interface AppCommandKit {
  withConnection(cmd: Command): Command;
  connect(opts: { namespace?: string; kubeconfig?: string }): { kc: KubeConfig; ns: string };
  getApp(kc: KubeConfig, ns: string, name: string): Promise<Application>;
  appPath(ns: string, name?: string): string;
  print(value: unknown, output: Output | undefined, table: () => string): void;
  columns(rows: string[][]): string;
  short(rev?: string): string;
}

/** Exit codes of `app rollback`. */
export const RollbackExit = { Ok: 0, Failed: 1, Usage: 2 } as const;

const EXIT_CODES = `
Exit codes:
  0  rolled back (with --dry-run: the dry run passed; with --async: requested)
  1  failed, timed out, or refused (automated sync on, another operation
     running, no such Application)
  2  usage error: a bad option or ID, or no history entry with that ID`;

/** Thrown for an outcome with its own exit code; the message goes to stderr. */
class RollbackError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const historyId = (value: string): number => {
  if (!/^\d+$/.test(value))
    throw new InvalidArgumentError('the ID of a history entry (see flotilla app history)');
  return Number(value);
};

const seconds = (value: string): number => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('a positive number of seconds');
  return n;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers `flotilla app rollback`. */
export function registerAppRollback(app: Command, kit: AppCommandKit): void {
  kit
    .withConnection(
      app
        .command('rollback')
        .description(
          'sync back to a history entry: its revision and source, without hooks (refused while automated sync is on)',
        ),
    )
    .argument('<name>', 'the Application')
    .argument('<id>', 'the history entry to go back to (see flotilla app history)', historyId)
    .option('--prune', 'delete resources the entry does not declare')
    .option('--dry-run', 'validate against the apiserver without changing anything')
    .option('--async', 'request the rollback and exit without following it')
    .option('--timeout <seconds>', 'give up following after this long', seconds, 300)
    .addOption(
      new Option('-o, --output <format>', 'the result as a table, json or yaml')
        .choices(['table', 'json', 'yaml'])
        .default('table'),
    )
    .addHelpText('after', EXIT_CODES)
    // Commander's own complaints (a bad ID, an unknown option) are usage errors.
    .exitOverride((err) => {
      throw err.exitCode === 0
        ? err
        : new CommanderError(RollbackExit.Usage, err.code, err.message);
    })
    .action(async (name: string, id: number, opts: RollbackOpts) => {
      try {
        await rollback(kit, name, id, opts);
      } catch (err) {
        if (!(err instanceof RollbackError)) throw err;
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = err.exitCode;
      }
    });
}

async function rollback(
  kit: AppCommandKit,
  name: string,
  id: number,
  opts: RollbackOpts,
): Promise<void> {
  const { kc, ns } = kit.connect(opts);
  const a = await kit.getApp(kc, ns, name).catch((err: Error) => {
    throw new RollbackError(err.message, RollbackExit.Failed);
  });
  if (!a.spec)
    throw new RollbackError(`application ${ns}/${name} has no spec`, RollbackExit.Failed);
  const history = a.status?.history ?? [];
  const decision = planRollback(a.spec, history, id, {
    prune: opts.prune ?? false,
    dryRun: opts.dryRun ?? false,
    username: userInfo().username,
  });
  if (!decision.ok) {
    const unknownId = !history.some((h) => h.id === id);
    throw new RollbackError(
      `application ${ns}/${name}: ${decision.reason}`,
      unknownId ? RollbackExit.Usage : RollbackExit.Failed,
    );
  }
  if (a.operation)
    throw new RollbackError(
      `application ${ns}/${name}: another operation is already in progress`,
      RollbackExit.Failed,
    );
  const before = a.status?.operationState?.startedAt;
  const rv = (a.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  try {
    // Guarded by resourceVersion: an operation written meanwhile is not overwritten.
    await rawRequest(kc, {
      method: 'PATCH',
      path: kit.appPath(ns, name),
      contentType: 'application/merge-patch+json',
      body: { metadata: { resourceVersion: rv }, operation: decision.operation },
    });
  } catch (err) {
    if (err instanceof ApiError && err.status === 409)
      throw new RollbackError(
        `application ${ns}/${name} changed meanwhile; run the rollback again`,
        RollbackExit.Failed,
      );
    throw err;
  }
  const to = `history entry ${id} (${kit.short(decision.entry.revision ?? decision.entry.revisions?.join(', '))})`;
  progress(`${opts.dryRun ? 'dry run of the rollback' : 'rollback'} of ${ns}/${name} to ${to}`);
  if (opts.async) {
    kit.print(decision.operation, opts.output, () => '');
    return;
  }
  const state = await follow(kit, kc, ns, name, before, opts.timeout);
  kit.print(state, opts.output, () => resultTable(kit, state));
  if (state.phase !== 'Succeeded')
    throw new RollbackError(
      `rollback ${state.phase}${state.message ? `: ${state.message}` : ''}`,
      RollbackExit.Failed,
    );
  progress(`${opts.dryRun ? 'dry run succeeded' : 'rolled back'}: ${ns}/${name} at ${to}`);
}

/** Progress goes to stderr, so stdout stays clean for -o json. */
function progress(line: string): void {
  process.stderr.write(`› ${line}\n`);
}

/**
 * Follows the operation written after `before` (the startedAt of the last
 * one) until it ends, printing its phase and each resource's result as they
 * change; returns its final state.
 */
async function follow(
  kit: AppCommandKit,
  kc: KubeConfig,
  ns: string,
  name: string,
  before: string | undefined,
  timeoutS: number,
): Promise<OperationState> {
  const deadline = Date.now() + timeoutS * 1000;
  const seen = new Map<string, string>();
  let last = '';
  for (;;) {
    const a = await kit.getApp(kc, ns, name);
    const state = a.status?.operationState;
    if (state && state.startedAt !== before) {
      const line = `${state.phase}${state.message ? `: ${state.message}` : ''}`;
      if (line !== last) progress(line);
      last = line;
      for (const r of state.syncResult?.resources ?? []) {
        const key = `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
        const what = `${r.status ?? r.hookPhase ?? ''}${r.message ? ` (${r.message})` : ''}`;
        if (seen.get(key) !== what) progress(`${key}: ${what}`);
        seen.set(key, what);
      }
      const ended = state.phase !== 'Running' && state.phase !== 'Terminating';
      if (ended && a.operation === undefined) return state;
    }
    if (Date.now() > deadline)
      throw new RollbackError(
        `timed out after ${timeoutS} s; the rollback goes on: follow it with flotilla app wait ${name}`,
        RollbackExit.Failed,
      );
    await sleep(500);
  }
}

function resultTable(kit: AppCommandKit, state: OperationState): string {
  const rows = [['KIND', 'NAMESPACE', 'NAME', 'STATUS', 'MESSAGE']];
  for (const r of state.syncResult?.resources ?? [])
    rows.push([r.kind, r.namespace ?? '', r.name, r.status ?? '', r.message ?? '']);
  return (
    `Phase:     ${state.phase}${state.message ? ` (${state.message})` : ''}\n` +
    `Revision:  ${state.syncResult?.revision ?? ''}\n\n` +
    kit.columns(rows)
  );
}
