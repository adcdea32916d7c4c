import type { Logger } from 'pino';
import { compileRuntimeConfig, type RuntimeConfig } from './config.js';
import { createLogger } from './logger.js';
import { userCacheDir } from './paths.js';
import { startOpsServer } from './ops.js';
import { installShutdown, type Shutdown, type ShutdownHook } from './shutdown.js';
import { startTracing, type Tracing } from './tracing.js';

/** What a role gets when it starts. */
export interface RoleContext {
  readonly logger: Logger;
  /** Aborted when the process begins to stop. */
  readonly signal: AbortSignal;
  /** Shared settings, validated. */
  readonly config: RuntimeConfig;
  /** The environment, for role-specific settings (roles never read process.env). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Work messages one role instance has settled since it started. */
export interface WorkCounts {
  readonly handled: number;
  readonly failed: number;
  readonly deadLettered: number;
  readonly redelivered: number;
}

/** A running role; `stop` drains work and releases connections. */
export interface RoleHandle {
  stop(): Promise<void>;
  /**
   * What this instance's work consumer has done, kept current; process-wide
   * metrics cannot tell replicas in one process apart. Absent for roles without one.
   */
  readonly work?: WorkCounts;
  /**
   * Why this instance cannot work now (a connection it needs is down or was
   * refused), or undefined: the process's `/readyz` says not ready meanwhile,
   * so a rollout with a wrong Redis password stops at the first new pod.
   */
  readonly problem?: () => string | undefined;
}

/**
 * One of Flotilla's five roles (git-poller, renderer, differ, applier,
 * hook-runner). A role runs alone in its service's process, or beside the
 * others in `flotilla up`.
 */
export interface Role {
  readonly name: string;
  start(ctx: RoleContext): Promise<RoleHandle>;
}

/**
 * Runs roles as a process: JSON logs, SIGTERM/SIGINT handling, and a clean
 * stop of every role in reverse order. The environment is passed in, so this
 * stays the only reader of it besides the entry points.
 */
export async function runRoles(
  processName: string,
  roles: readonly Role[],
  env: Readonly<Record<string, string | undefined>>,
  /** Run after every role has stopped (e.g. servers the process started for them). */
  afterStop?: ShutdownHook,
): Promise<Shutdown> {
  let config: RuntimeConfig;
  let tracing: Tracing;
  try {
    config = compileRuntimeConfig(env, { cacheDir: userCacheDir(env) });
    // Off unless OTEL_TRACES_EXPORTER=otlp: then the SDK loads before any role makes a span.
    tracing = await startTracing(env, processName);
  } catch (err) {
    process.stderr.write(`${processName}: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ name: processName, level: config.logLevel });
  const shutdown = installShutdown({ logger, timeoutMs: config.shutdownTimeoutMs });
  // A role may hold no open handle of its own yet; the process still runs until told to stop.
  const keepAlive = setInterval(() => undefined, 3_600_000);
  shutdown.add(() => clearInterval(keepAlive));
  if (afterStop) shutdown.add(afterStop);
  // Hooks run in reverse: this one runs after every role has stopped, sending their last spans.
  shutdown.add(() => tracing.shutdown());
  if (tracing.enabled) logger.info('exporting traces over OTLP');
  const started: { name: string; handle: RoleHandle }[] = [];
  const ops = await startOpsServer({
    addr: env['FLOTILLA_OPS_ADDR'] ?? '0.0.0.0:9090',
    ready: () => {
      if (started.length !== roles.length) return false;
      for (const { name, handle } of started) {
        const problem = handle.problem?.();
        if (problem) return `${name}: ${problem}`;
      }
      return true;
    },
  });
  shutdown.add(() => ops.close());
  logger.info({ port: ops.port }, 'serving /healthz, /readyz and /metrics');
  for (const role of roles) {
    const roleLogger = logger.child({ role: role.name });
    try {
      const handle = await role.start({ logger: roleLogger, signal: shutdown.signal, config, env });
      shutdown.add(() => handle.stop());
      started.push({ name: role.name, handle });
      roleLogger.info('role started');
    } catch (err) {
      roleLogger.fatal({ err: (err as Error).message }, 'role could not start');
      void shutdown.trigger(`${role.name} could not start`, 1);
      return shutdown;
    }
  }
  return shutdown;
}
