/** A trigger expression the evaluator cannot parse or run. */
export class ExprError extends Error {
  override readonly name = 'ExprError';
}

/** A template that cannot be parsed or rendered. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Notification configuration (ConfigMap, Secret, subscription) that cannot work. */
export class NotifyConfigError extends Error {
  override readonly name = 'NotifyConfigError';
}

/**
 * A delivery that failed. `permanent` means a retry cannot help (the receiver
 * refused the request with a 4xx other than 408 and 429, or the service is
 * misconfigured); the notification is dead-lettered with the reason.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a {@link DeliveryError} a retry cannot fix. */
export function isPermanent(err: unknown): boolean {
  return (err instanceof DeliveryError && err.permanent) || err instanceof NotifyConfigError;
}
