import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { CLUSTER_HELP } from './commands/summaries.js';
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
  // Options after a command belong to it, so `flotilla kubectl -n x ...` reaches kubectl.
  .enablePositionalOptions()
  .addHelpText('after', `${CLUSTER_HELP}\n${EXIT_CODES_HELP}`)
  .exitOverride();

try {
  await registerCommands(program, process.argv);
  addExitCodesHelp(program);
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
