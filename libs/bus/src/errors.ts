/**
 * Thrown (or returned as an outcome) by a handler that cannot proceed yet,
 * e.g. the app's lease is held elsewhere: the message comes back after
 * `delayMs` and never counts towards the dead-letter limit.
 */
export class WaitingError extends Error {
  override readonly name = 'WaitingError';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/**
 * Thrown by a handler that will not succeed however often it is retried
 * (e.g. a spec error the user must fix): the message is terminated and the
 * handler is expected to have recorded a condition.
 */
export class StallingError extends Error {
  override readonly name = 'StallingError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A lease write was refused because the caller's fencing token is stale. */
export class StaleLeaseError extends Error {
  override readonly name = 'StaleLeaseError';
  constructor(
    readonly key: string,
    readonly token: number,
  ) {
    super(`lease ${key}: token ${token} is no longer current`);
  }
}

/** True when `err` is a {@link WaitingError}. */
export const isWaiting = (err: unknown): err is WaitingError => err instanceof WaitingError;
/** True when `err` is a {@link StallingError}. */
export const isStalling = (err: unknown): err is StallingError => err instanceof StallingError;
/** True when `err` is a {@link StaleLeaseError}. */
export const isStaleLease = (err: unknown): err is StaleLeaseError =>
  err instanceof StaleLeaseError;
