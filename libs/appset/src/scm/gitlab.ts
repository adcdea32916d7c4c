import { getJson, responseHeader, type ScmCall, type ScmHttpOptions } from './http.js';
import { asList, checkPage, str, withSlash, type PullRequest } from './types.js';

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

/** The REST base of a GitLab host: its URL with `/api/v4/` added unless it ends so. */
export function gitlabBase(api: string | undefined): URL {
  const u = new URL(withSlash(api || 'https://gitlab.com/'));
  if (!u.pathname.endsWith('/api/v4/')) u.pathname += 'api/v4/';
  return u;
}

/** A GitLab project's merge requests, every page (`X-Next-Page`). */
export async function listGitlabMergeRequests(
  t: GitlabTarget,
  http: ScmHttpOptions,
): Promise<PullRequest[]> {
  const call: ScmCall = {
    ...http,
    provider: 'GitLab',
    headers: t.token ? { 'private-token': t.token } : {},
    secrets: t.token ? [t.token] : [],
  };
  const base = gitlabBase(t.api);
  const out: PullRequest[] = [];
  for (let page: number | undefined = 1; page !== undefined;) {
    const url = new URL(`projects/${encodeURIComponent(t.project)}/merge_requests`, base);
    const q = new URLSearchParams({ per_page: '100', page: String(page) });
    if (t.labels?.length) q.set('labels', t.labels.join(','));
    if (t.state) q.set('state', t.state);
    url.search = q.toString();
    checkPage(page, call, url);
    const { body, headers } = await getJson(url, call);
    for (const mr of asList(body, url, call)) {
      const labels = mr['labels'];
      out.push({
        number: Number(mr['iid']),
        title: str(mr, 'title'),
        branch: str(mr, 'source_branch'),
        targetBranch: str(mr, 'target_branch'),
        headSha: str(mr, 'sha'),
        labels: Array.isArray(labels) ? labels.filter((l) => typeof l === 'string') : [],
        author: str(mr, 'author', 'username'),
      });
    }
    const next = Number(responseHeader(headers, 'x-next-page') || NaN);
    page = Number.isInteger(next) && next > page ? next : undefined;
  }
  return out;
}
