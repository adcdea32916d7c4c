import type { Command } from 'commander';
import { SUMMARIES } from './summaries.js';

/** One top-level command and the module that defines it in full. */
export interface TopCommand {
  readonly name: keyof typeof SUMMARIES;
  /** Loads the function that registers the command. */
  readonly load: () => Promise<(program: Command) => void>;
}

/**
 * The top-level commands. `flotilla --help` lists them from here without
 * loading any of them; a run loads only the module of the command it names,
 * so a command never pays for the dependencies of the others.
 */
export const COMMANDS: readonly TopCommand[] = [
  {
    name: 'start',
    load: async () => (await import('./start.js')).registerStart,
  },
  {
    name: 'up',
    load: async () => (await import('./run.js')).registerUp,
  },
  {
    name: 'run',
    load: async () => (await import('./run.js')).registerRun,
  },
  {
    name: 'app',
    load: async () => (await import('./app.js')).registerApp,
  },
  {
    name: 'proj',
    load: async () => (await import('./proj.js')).registerProj,
  },
  {
    name: 'appset',
    load: async () => (await import('./appset.js')).registerAppSet,
  },
  {
    name: 'events',
    load: async () => (await import('./events.js')).registerEvents,
  },
  {
    name: 'kubectl',
    load: async () => (await import('./kubectl.js')).registerKubectl,
  },
  {
    name: 'cluster',
    load: async () => (await import('./cluster.js')).registerCluster,
  },
  {
    name: 'install',
    load: async () => (await import('./install.js')).registerInstall,
  },
  {
    name: 'uninstall',
    load: async () => (await import('./install.js')).registerUninstall,
  },
  {
    name: 'dev',
    load: async () => (await import('./dev.js')).registerDev,
  },
];

/**
 * Registers the command `argv` names in full and the others as help lines
 * only, in the listed order (a name commander does not know still gets its
 * usual complaint).
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const args = argv.slice(2);
  const named = args[0] === 'help' ? args[1] : args[0];
  for (const c of COMMANDS) {
    if (c.name === named) (await c.load())(program);
    else program.command(c.name).description(SUMMARIES[c.name]);
  }
}
