// `flotilla app rollback NAME ID`: sync the app back to one of its history
// entries, as `argocd app rollback` does: the entry's revision and source
// with the apply strategy (no hooks), refused while automated sync is on.
import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { OperationState } from '@flotilla/api';
import { ApiError, ApplicationClient, type KubeConfig } from '@flotilla/kube';
import { connect, getApp, withAppNamespace, withConnection } from '../apps.js';
import { progress } from '../context.js';
import { ExitCode, ExitError, exitCodesHelp } from '../exit.js';
import { columns, outputOption, print, short, type Output } from '../output.js';

interface RollbackOpts {
  namespace?: string;
  kubeconfig?: string;
  output: Output;
  prune?: boolean;
  dryRun?: boolean;
  async?: boolean;
  timeout: number;
}

const EXIT_CODES = `
Exit codes:
  0  rolled back (with --dry-run: the dry run passed; with --async: requested)
  1  failed, timed out, or refused (automated sync on, another operation
     running, no such Application)
  2  usage error: a bad option or ID, or no history entry with that ID`;

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
export function registerAppRollback(app: Command): void {
  const cmd = withAppNamespace(
    withConnection(
      app
        .command('rollback')
        .description(
          'sync back to a history entry: its revision and source, without hooks (refused while automated sync is on)',
        ),
    ),
  )
    .argument('<name>', 'the Application')
    .argument('<id>', 'the history entry to go back to (see flotilla app history)', historyId)
    .option('--prune', 'delete resources the entry does not declare')
    .option('--dry-run', 'validate against the apiserver without changing anything')
    .option('--async', 'request the rollback and exit without following it')
    .option('--timeout <seconds>', 'give up following after this long', seconds, 300)
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action((name: string, id: number, opts: RollbackOpts) => rollback(name, id, opts));
  exitCodesHelp(cmd, EXIT_CODES);
}

async function rollback(name: string, id: number, opts: RollbackOpts): Promise<void> {
  const { kc, ns } = connect(opts);
  const a = await getApp(kc, ns, name).catch((err: Error) => {
    throw new ExitError(err.message, ExitCode.Failure);
  });
  if (!a.spec) throw new ExitError(`application ${ns}/${name} has no spec`, ExitCode.Failure);
  const history = a.status?.history ?? [];
  // Loaded on use: the planning library is not needed by the other app commands.
  const { planRollback } = await import('@flotilla/gitops');
  const decision = planRollback(a.spec, history, id, {
    prune: opts.prune ?? false,
    dryRun: opts.dryRun ?? false,
    username: userInfo().username,
  });
  if (!decision.ok) {
    const unknownId = !history.some((h) => h.id === id);
    throw new ExitError(
      `application ${ns}/${name}: ${decision.reason}`,
      unknownId ? ExitCode.Usage : ExitCode.Failure,
    );
  }
  if (a.operation)
    throw new ExitError(
      `application ${ns}/${name}: another operation is already in progress`,
      ExitCode.Failure,
    );
  const before = a.status?.operationState?.startedAt;
  const rv = (a.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  try {
    // Guarded by resourceVersion: an operation written meanwhile is not overwritten.
    await new ApplicationClient(kc).patchOperation({ namespace: ns, name }, decision.operation, rv);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409)
      throw new ExitError(
        `application ${ns}/${name} changed meanwhile; run the rollback again`,
        ExitCode.Failure,
      );
    throw err;
  }
  const to = `history entry ${id} (${short(decision.entry.revision ?? decision.entry.revisions?.join(', '))})`;
  progress(`${opts.dryRun ? 'dry run of the rollback' : 'rollback'} of ${ns}/${name} to ${to}`);
  if (opts.async) {
    print(decision.operation, opts.output, () => '');
    return;
  }
  const state = await follow(kc, ns, name, before, opts.timeout);
  print(state, opts.output, () => resultTable(state));
  if (state.phase !== 'Succeeded')
    throw new ExitError(
      `rollback ${state.phase}${state.message ? `: ${state.message}` : ''}`,
      ExitCode.Failure,
    );
  progress(`${opts.dryRun ? 'dry run succeeded' : 'rolled back'}: ${ns}/${name} at ${to}`);
}

/**
 * Follows the operation written after `before` (the startedAt of the last
 * one) until it ends, printing its phase and each resource's result as they
 * change; returns its final state.
 */
async function follow(
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
    const a = await getApp(kc, ns, name);
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
      throw new ExitError(
        `timed out after ${timeoutS} s; the rollback goes on: follow it with flotilla app wait ${name}`,
        ExitCode.Failure,
      );
    await sleep(500);
  }
}

function resultTable(state: OperationState): string {
  const rows = [['KIND', 'NAMESPACE', 'NAME', 'STATUS', 'MESSAGE']];
  for (const r of state.syncResult?.resources ?? [])
    rows.push([r.kind, r.namespace ?? '', r.name, r.status ?? '', r.message ?? '']);
  return (
    `Phase:     ${state.phase}${state.message ? ` (${state.message})` : ''}\n` +
    `Revision:  ${state.syncResult?.revision ?? ''}\n\n` +
    columns(rows)
  );
}
