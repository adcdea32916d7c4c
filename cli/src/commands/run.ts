import type { Command } from 'commander';
import { runRoles, type Role } from '@flotilla/runtime';
import { gitPollerRole } from '@flotilla/git-poller';
import { rendererRole } from '@flotilla/renderer';
import { differRole } from '@flotilla/differ';
import { applierRole } from '@flotilla/applier';
import { hookRunnerRole } from '@flotilla/hook-runner';
import { cliContext } from '../context.js';

/** Every role, in pipeline order. */
export const ROLES: Readonly<Record<string, Role>> = {
  'git-poller': gitPollerRole,
  renderer: rendererRole,
  differ: differRole,
  applier: applierRole,
  'hook-runner': hookRunnerRole,
};

/** `flotilla up` (every role in one process) and `flotilla run <role...>`. */
export function registerRun(program: Command): void {
  program
    .command('up')
    .description('run all five roles in one process against the configured NATS, Redis and cluster')
    .action(async () => {
      const ctx = cliContext();
      await runRoles('flotilla', Object.values(ROLES), ctx.env);
    });

  program
    .command('run')
    .description(
      `run chosen roles in one process, so they scale separately (${Object.keys(ROLES).join(', ')})`,
    )
    .argument('<roles...>', 'roles to run')
    .action(async (names: string[]) => {
      const unknown = names.filter((n) => !(n in ROLES));
      if (unknown.length > 0) {
        process.stderr.write(
          `error: unknown role(s) ${unknown.join(', ')}; choose from ${Object.keys(ROLES).join(', ')}\n`,
        );
        process.exitCode = 2;
        return;
      }
      const ctx = cliContext();
      await runRoles(
        `flotilla-${names.join('+')}`,
        names.map((n) => ROLES[n]!),
        ctx.env,
      );
    });
}
