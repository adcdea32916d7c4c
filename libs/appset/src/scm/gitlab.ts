import type { ScmHttpOptions } from './http.js';
import { gitlabBase, gitlabCall } from './calls.js';
import { allPages, gitlabNextPage, str, type PullRequest } from './types.js';

/** Where a GitLab project is and who reads it. */
export interface GitlabTarget {
  /** The project's numeric ID or its full path (`group/sub/project`). */
  readonly project: string;
  /** The GitLab URL; gitlab.com when unset. */
  readonly api?: string;
  /** Only merge requests carrying every one of these labels (GitLab filters). */
  readonly labels?: readonly string[];
  /** `opened`, `closed`, `merged`, `locked`; every state when unset, as in Argo CD. */
  readonly state?: string;
  readonly token?: string;
}

/** A GitLab project's merge requests, every page (`X-Next-Page`). */
export async function listGitlabMergeRequests(
  t: GitlabTarget,
  http: ScmHttpOptions,
): Promise<PullRequest[]> {
  const url = new URL(
    `projects/${encodeURIComponent(t.project)}/merge_requests`,
    gitlabBase(t.api),
  );
  if (t.labels?.length) url.searchParams.set('labels', t.labels.join(','));
  if (t.state) url.searchParams.set('state', t.state);
  const mrs = await allPages(url, gitlabCall(t.token, http), { per_page: '100' }, gitlabNextPage);
  return mrs.map((mr) => {
    const labels = mr['labels'];
    return {
      number: Number(mr['iid']),
      title: str(mr, 'title'),
      branch: str(mr, 'source_branch'),
      targetBranch: str(mr, 'target_branch'),
      headSha: str(mr, 'sha'),
      labels: Array.isArray(labels) ? labels.filter((l) => typeof l === 'string') : [],
      author: str(mr, 'author', 'username'),
    };
  });
}
