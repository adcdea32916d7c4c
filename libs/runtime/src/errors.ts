/** A child process exited non-zero, timed out, or could not start. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link CommandError}. */
export function isCommandError(err: unknown): err is CommandError {
  return err instanceof CommandError;
}
