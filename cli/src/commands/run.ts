import type { Command } from 'commander';
import { runRoles, type Role } from '@flotilla/runtime';
import { cliContext } from '../context.js';
import { applyFlags, withRuntimeFlags, type RuntimeFlags } from '../flags.js';
import { summaryOf } from './summaries.js';

/** Every role name, in pipeline order. */
export const ROLE_NAMES = [
  'git-poller',
  'renderer',
  'differ',
  'applier',
  'hook-runner',
  'appset',
  'notifier',
] as const;

/**
 * Loads roles on demand, so commands that run none (dev, provision) never
 * load the services and their dependencies.
 */
export async function loadRoles(names: readonly string[] = ROLE_NAMES): Promise<Role[]> {
  const loaders: Record<string, () => Promise<Role>> = {
    'git-poller': async () => (await import('@flotilla/git-poller')).gitPollerRole,
    renderer: async () => (await import('@flotilla/renderer')).rendererRole,
    differ: async () => (await import('@flotilla/differ')).differRole,
    applier: async () => (await import('@flotilla/applier')).applierRole,
    'hook-runner': async () => (await import('@flotilla/hook-runner')).hookRunnerRole,
    appset: async () => (await import('@flotilla/appset-controller')).appsetRole,
    notifier: async () => (await import('@flotilla/notifier')).notifierRole,
  };
  return Promise.all(names.map((n) => loaders[n]!()));
}

/** `flotilla up`: every role in one process. */
export function registerUp(program: Command): void {
  withRuntimeFlags(program.command('up').description(summaryOf('up'))).action(
    async (flags: RuntimeFlags) => {
      const ctx = cliContext();
      await runRoles('flotilla', await loadRoles(), applyFlags(ctx, flags));
    },
  );
}

/** `flotilla run <role...>`: chosen roles in one process, so they scale separately. */
export function registerRun(program: Command): void {
  withRuntimeFlags(
    program.command('run').description(summaryOf('run')).argument('<roles...>', 'roles to run'),
  ).action(async (names: string[], flags: RuntimeFlags) => {
    const unknown = names.filter((n) => !(ROLE_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0) {
      process.stderr.write(
        `error: unknown role(s) ${unknown.join(', ')}; choose from ${ROLE_NAMES.join(', ')}\n`,
      );
      process.exitCode = 2;
      return;
    }
    const ctx = cliContext();
    await runRoles(`flotilla-${names.join('+')}`, await loadRoles(names), applyFlags(ctx, flags));
  });
}
