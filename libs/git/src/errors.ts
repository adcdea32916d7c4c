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

/** The code of a failed git command, from what it wrote to stderr. */
export function classifyGitFailure(stderr: string): GitErrorCode {
  if (
    /Authentication failed|could not read (Username|Password)|returned error: 40[13]\b|Access denied|Permission denied \(publickey|terminal prompts disabled/i.test(
      stderr,
    )
  )
    return 'AuthFailed';
  if (
    /not our ref|couldn't find remote ref|did not match any|unadvertised object|no such remote ref/i.test(
      stderr,
    )
  )
    return 'RevisionNotFound';
  if (
    /Could not resolve host|Connection refused|not found|does not appear to be a git repository|unable to access|Could not read from remote/i.test(
      stderr,
    )
  )
    return 'Unreachable';
  return 'Failed';
}
