import type { Command } from 'commander';
import { KUBECONFIG_HELP } from './commands/summaries.js';
import { kubeconfigOf, type CliContext } from './context.js';

/** The shared settings as flags; each wins over its environment variable. */
export interface RuntimeFlags {
  natsUrl?: string;
  redisUrl?: string;
  kubeconfig?: string;
  namespace?: string;
  applicationNamespaces?: string;
  logLevel?: string;
}

/** Adds the shared settings flags to a command. */
export function withRuntimeFlags(cmd: Command): Command {
  return cmd
    .option(
      '--nats-url <url>',
      'NATS with JetStream (env FLOTILLA_NATS_URL; default nats://127.0.0.1:4222)',
    )
    .option('--redis-url <url>', 'Redis (env FLOTILLA_REDIS_URL; default redis://127.0.0.1:6379)')
    .option('--kubeconfig <path>', `cluster to manage: ${KUBECONFIG_HELP}`)
    .option(
      '-n, --namespace <ns>',
      'namespace of the Applications (env FLOTILLA_NAMESPACE; default flotilla)',
    )
    .option(
      '--application-namespaces <patterns>',
      'other namespaces whose Applications are served: comma-separated globs or /regexps/ (env FLOTILLA_APPLICATION_NAMESPACES; default none)',
    )
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug, trace or silent (env FLOTILLA_LOG_LEVEL; default info)',
    );
}

/** The environment with flags applied on top: flags, then environment, then defaults. */
export function applyFlags(ctx: CliContext, flags: RuntimeFlags): NodeJS.ProcessEnv {
  const kubeconfig = kubeconfigOf(ctx, flags.kubeconfig);
  return {
    ...ctx.env,
    ...(flags.natsUrl ? { FLOTILLA_NATS_URL: flags.natsUrl } : {}),
    ...(flags.redisUrl ? { FLOTILLA_REDIS_URL: flags.redisUrl } : {}),
    ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
    ...(flags.namespace ? { FLOTILLA_NAMESPACE: flags.namespace } : {}),
    ...(flags.applicationNamespaces !== undefined
      ? { FLOTILLA_APPLICATION_NAMESPACES: flags.applicationNamespaces }
      : {}),
    ...(flags.logLevel ? { FLOTILLA_LOG_LEVEL: flags.logLevel } : {}),
  };
}
