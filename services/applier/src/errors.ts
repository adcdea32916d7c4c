/** The app's desired state cannot be planned (a manifest without a name, an unknown kind without a namespace). */
export class PlanningError extends Error {
  override readonly name = 'PlanningError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`cannot plan the sync: ${message}`, options);
  }
}

/** True when `err` is a {@link PlanningError}. */
export const isPlanningError = (err: unknown): err is PlanningError => err instanceof PlanningError;

/** `FailOnSharedResource=true` found a desired resource that another application tracks. */
export class SharedResourceError extends Error {
  override readonly name = 'SharedResourceError';
}

/** True when `err` is a {@link SharedResourceError}. */
export const isSharedResourceError = (err: unknown): err is SharedResourceError =>
  err instanceof SharedResourceError;

/**
 * The app's cluster does not answer: the attempt ends in Error and the
 * operation retries by its retry policy; nothing is decided from live state
 * that cannot be read.
 */
export class DestinationUnreachableError extends Error {
  override readonly name = 'DestinationUnreachableError';
}

/** True when `err` is a {@link DestinationUnreachableError}. */
export const isDestinationUnreachableError = (err: unknown): err is DestinationUnreachableError =>
  err instanceof DestinationUnreachableError;
