import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { resolveTool } from '@flotilla/toolchain';
import { cliContext, kubeconfigOf } from '../context.js';
import { ExitError } from '../exit.js';
import { summaryOf } from './summaries.js';

/**
 * `flotilla kubectl ARGS...`: the provisioned kubectl (the version the tests
 * pin, not whatever PATH holds) on the cluster the other commands use.
 * Everything after `kubectl` goes to kubectl untouched, and its exit code
 * (or 128 + signal) is this command's.
 */
export function registerKubectl(program: Command): void {
  program
    .command('kubectl')
    .description(summaryOf('kubectl'))
    .argument('[args...]', 'arguments for kubectl')
    .helpOption(false)
    .allowUnknownOption()
    .passThroughOptions()
    .action(async (args: string[]) => {
      const ctx = cliContext();
      const kubectl = await resolveTool('kubectl', {
        cacheDir: ctx.cacheDir,
        overrides: ctx.overrides,
        path: ctx.env['PATH'],
      }).catch((err: Error) => {
        throw new ExitError(`${err.message} (flotilla dev provision --tools-only fetches it)`, 1);
      });
      const kubeconfig = kubeconfigOf(ctx);
      process.exitCode = await runPassingThrough(kubectl, args, {
        ...ctx.env,
        ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
      });
    });
}

/** Runs `bin args` on this terminal; resolves with its exit code, 128 + n after signal n. */
function runPassingThrough(
  bin: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: 'inherit', env });
    // The terminal sends Ctrl-C to both; kubectl decides what it means.
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
