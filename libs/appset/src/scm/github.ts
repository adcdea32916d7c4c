import type { ScmHttpOptions } from './http.js';
import { githubBase, githubCall } from './calls.js';
import { allPages, hasLabels, pullsOf, type PullRequest } from './types.js';

/** Where a GitHub repository is and who reads it. */
export interface GithubTarget {
  readonly owner: string;
  readonly repo: string;
  /** GitHub Enterprise's URL; api.github.com when unset. */
  readonly api?: string;
  /** Only pull requests carrying every one of these labels. */
  readonly labels?: readonly string[];
  /** A token (anonymous when unset: public repositories, a low rate limit). */
  readonly token?: string;
}

/** The open pull requests of a GitHub repository, every page, filtered by labels. */
export async function listGithubPulls(
  t: GithubTarget,
  http: ScmHttpOptions,
): Promise<PullRequest[]> {
  const url = new URL(
    `repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}/pulls`,
    githubBase(t.api),
  );
  url.searchParams.set('state', 'open');
  const pulls = await allPages(url, githubCall(t.token, http), { per_page: '100' });
  return pullsOf(pulls).filter((p) => hasLabels(t.labels ?? [], p.labels));
}
