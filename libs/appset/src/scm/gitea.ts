import type { ScmHttpOptions } from './http.js';
import { giteaCall } from './calls.js';
import { allPages, hasLabels, pullsOf, withSlash, type PullRequest } from './types.js';

/** Where a Gitea (or Forgejo) repository is and who reads it. */
export interface GiteaTarget {
  readonly owner: string;
  readonly repo: string;
  /** The Gitea URL, such as https://gitea.example.com/. */
  readonly api: string;
  /** Only pull requests carrying every one of these labels. */
  readonly labels?: readonly string[];
  readonly token?: string;
}

/** The open pull requests of a Gitea repository, every page (`Link`), filtered by labels. */
export async function listGiteaPulls(t: GiteaTarget, http: ScmHttpOptions): Promise<PullRequest[]> {
  const url = new URL(
    `api/v1/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}/pulls`,
    withSlash(t.api),
  );
  url.searchParams.set('state', 'open');
  const pulls = await allPages(url, giteaCall(t.token, http), { limit: '50' });
  return pullsOf(pulls).filter((p) => hasLabels(t.labels ?? [], p.labels));
}
