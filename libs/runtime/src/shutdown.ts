import type { Logger } from 'pino';

/** A cleanup step run when the process is asked to stop. */
export type ShutdownHook = () => Promise<void> | void;

/** Options for {@link installShutdown}. */
export interface ShutdownOptions {
  readonly logger: Logger;
  /**
   * Hard deadline for all hooks together; 25 s unless set (under Kubernetes' default
   * 30 s grace; the chart sets FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS from its own).
   */
  readonly timeoutMs?: number;
  /** Signals that trigger shutdown. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Called with the exit code; `process.exit` unless set (tests override it). */
  readonly exit?: (code: number) => void;
}

/** Handle returned by {@link installShutdown}. */
export interface Shutdown {
  /** Aborted as soon as shutdown starts; long loops watch it. */
  readonly signal: AbortSignal;
  /** Registers a hook; hooks run in reverse order of registration. */
  add(hook: ShutdownHook): void;
  /** Starts shutdown by hand (e.g. after a fatal error). */
  trigger(reason: string, code?: number): Promise<void>;
}

/**
 * Installs SIGTERM/SIGINT handling: the first signal aborts {@link Shutdown.signal}
 * and runs the hooks in reverse order, then exits 0; a second signal, or the
 * deadline, exits at once with code 1.
 */
export function installShutdown(options: ShutdownOptions): Shutdown {
  const { logger } = options;
  const timeoutMs = options.timeoutMs ?? 25_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const controller = new AbortController();
  const hooks: ShutdownHook[] = [];
  let running: Promise<void> | undefined;

  const run = async (reason: string, code: number): Promise<void> => {
    logger.info({ reason }, 'shutting down');
    controller.abort(new Error(reason));
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown deadline passed; exiting');
      exit(1);
    }, timeoutMs);
    timer.unref();
    let exitCode = code;
    for (const hook of [...hooks].reverse()) {
      try {
        await hook();
      } catch (err) {
        exitCode = 1;
        logger.error({ err }, 'shutdown hook failed');
      }
    }
    clearTimeout(timer);
    logger.info({ exitCode }, 'stopped');
    // Log lines still buffered would be lost by exit().
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    exit(exitCode);
  };

  const trigger = (reason: string, code = 0): Promise<void> => {
    running ??= run(reason, code);
    return running;
  };

  for (const sig of signals) {
    process.on(sig, () => {
      if (running) {
        logger.warn({ signal: sig }, 'second signal; exiting now');
        exit(1);
        return;
      }
      void trigger(sig);
    });
  }

  return {
    signal: controller.signal,
    add: (hook) => {
      hooks.push(hook);
    },
    trigger,
  };
}
