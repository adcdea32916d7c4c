// Faults that stop a whole sync decision. Per-resource problems are data
// (warnings on the plan, results on tasks), never exceptions.

/** A sync setting (retry backoff, hook timeout default) cannot be read. */
export class SyncOptionsError extends Error {
  override readonly name = 'SyncOptionsError';
  constructor(
    message: string,
    /** The field that was wrong, such as `retry.backoff.duration`. */
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link SyncOptionsError}. */
export function isSyncOptionsError(err: unknown): err is SyncOptionsError {
  return err instanceof SyncOptionsError;
}
