import semver from 'semver';
import { GitError } from './errors.js';

/** Refs as advertised by `git ls-remote`: ref name → commit SHA (tags peeled). */
export type RemoteRefs = ReadonlyMap<string, string>;

const SHA = /^[0-9a-f]{40}$/i;

/** True for a full 40-hex commit SHA. */
export function isCommitSha(rev: string): boolean {
  return SHA.test(rev);
}

/**
 * Resolves a `targetRevision` against a repository's refs, in Argo CD's
 * order: empty or `HEAD`; a full commit SHA; an exact branch, tag or full ref
 * name; otherwise a semver constraint over the tags (highest match wins).
 */
export function resolveRevision(
  refs: RemoteRefs,
  targetRevision: string | undefined,
  repo?: string,
): string {
  const rev = (targetRevision ?? '').trim();
  if (rev === '' || rev === 'HEAD') {
    const head = refs.get('HEAD');
    if (head) return head;
    throw new GitError('RevisionNotFound', 'the repository has no HEAD (is it empty?)', repo);
  }
  if (isCommitSha(rev)) return rev.toLowerCase();
  for (const candidate of [`refs/heads/${rev}`, `refs/tags/${rev}`, rev]) {
    const sha = refs.get(candidate);
    if (sha) return sha;
  }
  const range = semver.validRange(rev, { loose: true });
  if (range) {
    const tags = new Map<string, string>();
    for (const [ref, sha] of refs) {
      if (!ref.startsWith('refs/tags/')) continue;
      const version = semver.clean(ref.slice('refs/tags/'.length), { loose: true });
      if (version) tags.set(version, sha);
    }
    const best = semver.maxSatisfying([...tags.keys()], range, { loose: true });
    if (best) return tags.get(best)!;
    throw new GitError(
      'RevisionNotFound',
      `no tag satisfies the semver range ${JSON.stringify(rev)}`,
      repo,
    );
  }
  throw new GitError(
    'RevisionNotFound',
    `revision ${JSON.stringify(rev)} is not a branch, tag or commit of the repository`,
    repo,
  );
}

/** Parses `git ls-remote` output, peeling annotated tags (`^{}`) to their commits. */
export function parseLsRemote(output: string): Map<string, string> {
  const refs = new Map<string, string>();
  const peeled = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (!sha || !ref || !isCommitSha(sha)) continue;
    if (ref.endsWith('^{}')) peeled.set(ref.slice(0, -3), sha.toLowerCase());
    else refs.set(ref, sha.toLowerCase());
  }
  for (const [ref, sha] of peeled) refs.set(ref, sha);
  return refs;
}
