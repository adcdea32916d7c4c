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
