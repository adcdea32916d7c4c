import { getJson, type ScmCall, type ScmHttpOptions } from './http.js';
import {
  asList,
  checkPage,
  hasLabels,
  labelNames,
  nextLinkPage,
  str,
  withSlash,
  type PullRequest,
} from './types.js';

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
  const call: ScmCall = {
    ...http,
    provider: 'Gitea',
    headers: t.token ? { authorization: `token ${t.token}` } : {},
    secrets: t.token ? [t.token] : [],
  };
  const base = new URL('api/v1/', withSlash(t.api));
  const out: PullRequest[] = [];
  for (let page: number | undefined = 1; page !== undefined;) {
    const url = new URL(
      `repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}/pulls`,
      base,
    );
    url.search = new URLSearchParams({ state: 'open', limit: '50', page: String(page) }).toString();
    checkPage(page, call, url);
    const { body, headers } = await getJson(url, call);
    for (const p of asList(body, url, call)) {
      const labels = labelNames(p['labels']);
      if (!hasLabels(t.labels ?? [], labels)) continue;
      out.push({
        number: Number(p['number']),
        title: str(p, 'title'),
        branch: str(p, 'head', 'ref'),
        targetBranch: str(p, 'base', 'ref'),
        headSha: str(p, 'head', 'sha'),
        labels,
        author: str(p, 'user', 'login'),
      });
    }
    const next = nextLinkPage(headers);
    page = next !== undefined && next > page ? next : undefined;
  }
  return out;
}
