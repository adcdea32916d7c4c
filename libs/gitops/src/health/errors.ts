// Faults that stop health assessment from being set up. A resource whose
// health cannot be judged is not a fault: it gets an Unknown result.

/** A health option is invalid: a bad limit, a missing directory, a malformed script key. */
export class HealthOptionsError extends Error {
  override readonly name = 'HealthOptionsError';
  constructor(
    message: string,
    /** The option at fault, e.g. `lua.timeoutMs` or `customizationDirs[0]`. */
    readonly option: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link HealthOptionsError}. */
export function isHealthOptionsError(err: unknown): err is HealthOptionsError {
  return err instanceof HealthOptionsError;
}

/** A health script exists but could not be read. */
export class HealthScriptLoadError extends Error {
  override readonly name = 'HealthScriptLoadError';
  constructor(
    message: string,
    /** The file that could not be read. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link HealthScriptLoadError}. */
export function isHealthScriptLoadError(err: unknown): err is HealthScriptLoadError {
  return err instanceof HealthScriptLoadError;
}
