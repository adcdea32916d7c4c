/** Why generating or rendering an ApplicationSet failed, as Argo CD names the reasons. */
export const AppSetErrorReason = {
  /** A generator failed: the last generated set is kept. */
  ParamsGeneration: 'ApplicationParamsGenerationError',
  /** A template could not be rendered for a parameter set. */
  RenderTemplateParams: 'RenderTemplateParamsError',
  /** A rendered Application is not a valid Application. */
  InvalidApplication: 'ApplicationValidationError',
  /** More Applications than the configured maximum. */
  TooManyApplications: 'TooManyApplicationsError',
  /** Two sets, or a set and a user, want the same Application name. */
  NameCollision: 'ApplicationNameCollisionError',
  /** The set itself is invalid (unknown or unsupported generator...). */
  InvalidSpec: 'ApplicationSetInvalidSpecError',
} as const;
/** Why generating or rendering an ApplicationSet failed. */
export type AppSetErrorReason = (typeof AppSetErrorReason)[keyof typeof AppSetErrorReason];

/** A failure that stops generating a set; the set keeps its last Applications. */
export class AppSetError extends Error {
  override readonly name = 'AppSetError';
  constructor(
    readonly reason: AppSetErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for an {@link AppSetError}. */
export function isAppSetError(err: unknown): err is AppSetError {
  return err instanceof AppSetError;
}

/** A failure of the Go template helper process itself (not of a template). */
export class TemplateHelperError extends Error {
  override readonly name = 'TemplateHelperError';
}
