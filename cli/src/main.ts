import { Command, CommanderError } from 'commander';
import { registerDev } from './commands/dev.js';
import { registerApp } from './commands/app.js';
import { registerRun } from './commands/run.js';
import { registerStart } from './commands/start.js';

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
  .exitOverride();

registerStart(program);
registerRun(program);
registerApp(program);
registerDev(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
