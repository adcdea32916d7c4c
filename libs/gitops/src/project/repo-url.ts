// Repository URLs are compared after the normalisation Argo CD applies, so
// `git@host:org/repo.git`, `ssh://git@host/org/repo` and `HTTPS://Host/Org/Repo`
// name the same repository for sourceRepos.
const SCP_LIKE = /^(ssh:\/\/)?([^/:]*?)@[^@]+$/;

/**
 * Normalises a Git URL (or a sourceRepos glob) for comparison: trimmed, lower
 * case, scp-like SSH (`git@host:path`) rewritten to `git@host/path`, without
 * an `ssh://` prefix or a `.git` suffix.
 */
export function normalizeRepoURL(repo: string): string {
  let url = repo.trim().toLowerCase();
  if (SCP_LIKE.test(url) && !url.startsWith('ssh://')) {
    url = url.replace(':', '/');
  }
  if (url.startsWith('ssh://')) url = url.slice('ssh://'.length);
  if (url.endsWith('.git')) url = url.slice(0, -'.git'.length);
  return url;
}
