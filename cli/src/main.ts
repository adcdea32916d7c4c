import { Command, CommanderError } from 'commander';
import { registerDev } from './commands/dev.js';
import { registerApp } from './commands/app.js';
import { registerRun } from './commands/run.js';
import { registerStart } from './commands/start.js';
import { registerEvents } from './commands/events.js';
import { addExitCodesHelp, EXIT_CODES_HELP, ExitCode, ExitError, UsageError } from './exit.js';

// `flotilla ... | head` closes stdout early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const program = new Command()
  .name('flotilla')
  .description('Flotilla: GitOps continuous delivery for Kubernetes')
  .version('0.1.0')
  .showHelpAfterError()
  .addHelpText('after', EXIT_CODES_HELP)
  .exitOverride();

registerStart(program);
registerRun(program);
registerApp(program);
registerEvents(program);
registerDev(program);
addExitCodesHelp(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and --version end with 0; any other complaint of commander's is about usage.
    process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  } else if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = ExitCode.Usage;
  } else if (err instanceof ExitError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
