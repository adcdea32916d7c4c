import { GitError } from './errors.js';

const SCP_LIKE = /^([A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;

/** Removes `user:password@` from a URL, wherever it appears in `text`. */
export function stripCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1');
}

/** Replaces each secret that occurs in `text` with `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = stripCredentials(text);
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out;
}

/**
 * A repository URL in one comparable form: lower-case scheme and host, no
 * user or credentials, no trailing `/` or `.git`; scp-like `git@host:org/repo`
 * becomes `ssh://host/org/repo`. Used to match webhooks and credentials to apps.
 */
export function normalizeRepoUrl(url: string): string {
  // Every poll round normalises every app's URLs (few distinct ones): remember them.
  const known = normalized.get(url);
  if (known !== undefined) return known;
  const n = normalize(url);
  if (normalized.size >= 10_000) normalized.clear();
  normalized.set(url, n);
  return n;
}

const normalized = new Map<string, string>();

function normalize(url: string): string {
  const trimmed = url.trim();
  const scp = SCP_LIKE.exec(trimmed);
  let u = scp && !trimmed.includes('://') ? `ssh://${scp[1] ?? ''}${scp[2]}/${scp[3]}` : trimmed;
  u = stripCredentials(u);
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)(.*)$/i.exec(u);
  if (m) u = `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${m[3]}`;
  return u.replace(/\/+$/, '').replace(/\.git$/, '');
}

/** Options for {@link checkRepoUrl}. */
export interface UrlPolicy {
  /** Allow `file://` URLs and local paths (the local demo does). */
  readonly allowLocal?: boolean;
}

/**
 * Refuses URLs that could make git run commands or read the local disk:
 * `ext::` and other transport helpers, option-like strings (`--upload-pack=...`),
 * and, unless allowed, `file://` and local paths.
 */
export function checkRepoUrl(url: string, policy: UrlPolicy = {}): void {
  const shown = stripCredentials(url);
  const refuse = (why: string): never => {
    throw new GitError(
      'RefusedUrl',
      `repository URL ${JSON.stringify(shown)} refused: ${why}`,
      shown,
    );
  };
  if (!url || url.trim() !== url) refuse('empty or surrounded by spaces');
  if (url.startsWith('-')) refuse('looks like a command-line option');
  if (/[\0\n\r]/.test(url)) refuse('contains control characters');
  if (/^[a-z][a-z0-9+.-]*::/i.test(url))
    refuse('transport helpers (such as ext::) are not allowed');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme) {
    if (scheme === 'file') {
      if (!policy.allowLocal)
        refuse('local repositories are not allowed (the operator can allow them)');
      return;
    }
    if (!['https', 'http', 'ssh', 'git'].includes(scheme))
      refuse(`scheme ${scheme} is not supported`);
    return;
  }
  if (SCP_LIKE.test(url) && !url.startsWith('/') && !url.startsWith('.')) return;
  if (!policy.allowLocal) refuse('local paths are not allowed (the operator can allow them)');
}

/**
 * Refuses revisions that could be read as options or are no ref name, range
 * or commit. Git itself only ever receives resolved commit SHAs and ref
 * names taken from the server's own advertisement.
 */
export function checkRevision(revision: string): void {
  const refuse = (why: string): never => {
    throw new GitError('BadRevision', `revision ${JSON.stringify(revision)} refused: ${why}`);
  };
  if (revision.startsWith('-')) refuse('looks like a command-line option');
  if (/[\0-\x1f\x7f]/.test(revision)) refuse('contains control characters');
  if (revision.includes('..') || revision.includes('@{') || revision.includes('\\'))
    refuse('is not a valid ref name');
  if (revision.length > 255) refuse('is too long');
}

/**
 * Host and path of a repository URL, ignoring scheme, user and port, so that
 * the HTTPS and SSH URLs of one repository compare equal (for webhooks).
 */
export function repoIdentity(url: string): string {
  const n = normalizeRepoUrl(url);
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/:]+)(?::\d+)?(\/.*)?$/i.exec(n);
  return m ? `${m[1]}${m[2] ?? ''}` : n;
}
