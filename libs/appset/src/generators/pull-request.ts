import { sanitizeName, type Params } from '../params.js';

const HEAD = /^refs\/(pull|merge-requests)\/(\d+)\/head$/;

/**
 * Open pull requests read from a repository's refs, with no API token: each
 * `refs/pull/<n>/head` (GitHub, Gitea, Forgejo) or
 * `refs/merge-requests/<n>/head` (GitLab) is one. GitHub keeps head refs of
 * closed pull requests, but publishes `refs/pull/<n>/merge` only for open
 * mergeable ones: when a listing has any merge ref, only pull requests with
 * one count as open. The parameters are those of Argo CD's pullRequest
 * generator that refs can tell (`branch` is the head ref itself, which
 * resolves as a targetRevision).
 */
export function pullRequestsFromRefs(refs: ReadonlyMap<string, string>): Params[] {
  const heads: { number: number; ref: string; sha: string }[] = [];
  for (const [ref, sha] of refs) {
    const m = HEAD.exec(ref);
    if (m) heads.push({ number: Number(m[2]), ref, sha });
  }
  const merges = [...refs.keys()].filter((r) => /^refs\/pull\/\d+\/merge$/.test(r));
  const open =
    merges.length > 0 ? heads.filter((h) => refs.has(h.ref.replace(/\/head$/, '/merge'))) : heads;
  return open
    .sort((a, b) => a.number - b.number)
    .map((h) => ({
      number: String(h.number),
      branch: h.ref,
      branch_slug: sanitizeName(h.ref.replace(/^refs\//, '').replace(/\//g, '-')),
      head_sha: h.sha,
      head_short_sha: h.sha.slice(0, 8),
      head_short_sha_7: h.sha.slice(0, 7),
    }));
}
