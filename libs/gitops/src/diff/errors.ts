/** Why a jq path expression gave no answer. */
export const JqFailure = {
  /** It ran longer than the time limit. */
  Timeout: 'Timeout',
  /** It needed more memory than the sandbox has. */
  Memory: 'Memory',
  /** The object is larger than the input limit. */
  InputTooLarge: 'InputTooLarge',
  /** It produced more output than the output limit. */
  OutputTooLarge: 'OutputTooLarge',
  /** The expression does not parse or compile. */
  Compile: 'Compile',
  /** It failed on this object (e.g. iterating over null). */
  Runtime: 'Runtime',
  /** The sandbox itself failed or was closed. */
  Sandbox: 'Sandbox',
} as const;
/** Why a jq path expression gave no answer. */
export type JqFailure = (typeof JqFailure)[keyof typeof JqFailure];

/** A jq path expression failed; `message` never contains the object's values. */
export class JqError extends Error {
  override readonly name = 'JqError';
  constructor(
    readonly failure: JqFailure,
    message: string,
    /** The expression, as written in ignoreDifferences. */
    readonly expression: string,
    /** jq's own message, which can quote values of the object; never for Secrets. */
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link JqError} (of `failure`, when given). */
export function isJqError(err: unknown, failure?: JqFailure): err is JqError {
  return err instanceof JqError && (failure === undefined || err.failure === failure);
}

/** A managedFields `fieldsV1` entry could not be read. */
export class ManagedFieldsError extends Error {
  override readonly name = 'ManagedFieldsError';
  constructor(
    message: string,
    /** The manager whose entry is malformed. */
    readonly manager: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link ManagedFieldsError}. */
export function isManagedFieldsError(err: unknown): err is ManagedFieldsError {
  return err instanceof ManagedFieldsError;
}
