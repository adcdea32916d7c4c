export { GitError, GitErrorCode, isGitError } from './errors.js';
export {
  stripCredentials,
  redact,
  normalizeRepoUrl,
  checkRepoUrl,
  checkRevision,
  type UrlPolicy,
} from './url.js';
export {
  credentialFromSecret,
  matchCredential,
  SECRET_TYPE_LABELS,
  type RepoCredential,
  type SecretLike,
} from './credentials.js';
export { resolveRevision, parseLsRemote, isCommitSha, type RemoteRefs } from './revision.js';
export { GitClient, type GitOptions, type GitStats } from './client.js';
