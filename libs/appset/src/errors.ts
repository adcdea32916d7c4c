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

/** Why an SCM provider's API could not list what a generator asked for. */
export const ScmErrorKind = {
  /** 401: the token or password was refused (or none was given and one is needed). */
  Unauthorized: 'Unauthorized',
  /** 403 without a rate limit: the token may not read the repository. */
  Forbidden: 'Forbidden',
  /** 404: no such repository or project (or the token may not see it). */
  NotFound: 'NotFound',
  /** 429, or GitHub's 403 with no requests left: wait and try again. */
  RateLimited: 'RateLimited',
  /** 5xx: the service is failing. */
  ServerError: 'ServerError',
  /** No answer: the address does not resolve, refuses, times out or fails TLS. */
  Unreachable: 'Unreachable',
  /** An answer that is not what the published API gives. */
  BadResponse: 'BadResponse',
} as const;
/** Why an SCM provider's API could not list what a generator asked for. */
export type ScmErrorKind = (typeof ScmErrorKind)[keyof typeof ScmErrorKind];

/** A failed call to an SCM provider's API; its message never holds a credential. */
export class ScmError extends Error {
  override readonly name = 'ScmError';
  constructor(
    readonly kind: ScmErrorKind,
    message: string,
    readonly status?: number,
    /** Seconds the provider asks to wait before the next call, when it says. */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for an {@link ScmError}. */
export function isScmError(err: unknown): err is ScmError {
  return err instanceof ScmError;
}
