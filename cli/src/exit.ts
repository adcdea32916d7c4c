import type { Command } from 'commander';

/**
 * Exit codes every command keeps, so scripts can trust them: 0 done, 1 the
 * command failed (or, for `app diff`, found a difference), 2 the command line
 * was wrong.
 */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
} as const;

/** The exit-code section of a command's help. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  failed
  2  usage error (unknown option, bad value, missing argument)`;

const custom = new WeakSet<Command>();

/** Gives `cmd` its own exit-code section instead of the common one. */
export function exitCodesHelp(cmd: Command, text: string): Command {
  custom.add(cmd);
  return cmd.addHelpText('after', text);
}

/** Adds the common exit-code section to every command below `root` that has no own one. */
export function addExitCodesHelp(root: Command): void {
  for (const cmd of root.commands) {
    if (!custom.has(cmd)) cmd.addHelpText('after', EXIT_CODES_HELP);
    addExitCodesHelp(cmd);
  }
}

/** A mistake on the command line: reported like commander's own, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure with a chosen exit code (for `app diff`, whose 1 means "differences"). */
export class ExitError extends Error {
  override readonly name = 'ExitError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
