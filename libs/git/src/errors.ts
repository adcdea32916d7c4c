/** Why a Git operation failed, in terms a user can act on. */
export const GitErrorCode = {
  /** The repository URL is not allowed (local path, `ext::`, option-like). */
  RefusedUrl: 'RefusedUrl',
  /** The revision is malformed or option-like. */
  BadRevision: 'BadRevision',
  /** The revision does not exist in the repository. */
  RevisionNotFound: 'RevisionNotFound',
  /** The server refused the credentials (or asked for some and none were given). */
  AuthFailed: 'AuthFailed',
  /** The repository could not be reached or does not exist. */
  Unreachable: 'Unreachable',
  /** The operation took too long. */
  Timeout: 'Timeout',
  /** Anything else git reported. */
  Failed: 'Failed',
} as const;
/** Why a Git operation failed. */
export type GitErrorCode = (typeof GitErrorCode)[keyof typeof GitErrorCode];

/** A Git failure; `message` never contains credentials. */
export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly code: GitErrorCode,
    message: string,
    /** The repository, with any credentials stripped. */
    readonly repo?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link GitError} (of `code`, when given). */
export function isGitError(err: unknown, code?: GitErrorCode): err is GitError {
  return err instanceof GitError && (code === undefined || err.code === code);
}
