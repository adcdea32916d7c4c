/** A YAML document could not be parsed. */
export class ManifestParseError extends Error {
  override readonly name = 'ManifestParseError';
  constructor(
    message: string,
    /** Zero-based index of the document in the stream. */
    readonly documentIndex: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link ManifestParseError}. */
export function isManifestParseError(err: unknown): err is ManifestParseError {
  return err instanceof ManifestParseError;
}

/** A status patch was asked for an Application without a name or namespace. */
export class StatusPatchError extends Error {
  override readonly name = 'StatusPatchError';
}

/** True when `err` is a {@link StatusPatchError}. */
export function isStatusPatchError(err: unknown): err is StatusPatchError {
  return err instanceof StatusPatchError;
}
