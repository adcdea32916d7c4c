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

/**
 * The REST base of a GitHub host: api.github.com, or an Enterprise URL with
 * `/api/v3/` added unless it already ends so or is an `api.` host, as
 * GitHub's own clients do.
 */
export function githubBase(api: string | undefined): URL {
  if (!api) return new URL('https://api.github.com/');
  const u = new URL(withSlash(api));
  if (!u.pathname.endsWith('/api/v3/') && !u.host.startsWith('api.') && !u.host.includes('.api.'))
    u.pathname += 'api/v3/';
  return u;
}

/** The open pull requests of a GitHub repository, every page, filtered by labels. */
export async function listGithubPulls(
  t: GithubTarget,
  http: ScmHttpOptions,
): Promise<PullRequest[]> {
  const call: ScmCall = {
    ...http,
    provider: 'GitHub',
    headers: {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      ...(t.token ? { authorization: `Bearer ${t.token}` } : {}),
    },
    secrets: t.token ? [t.token] : [],
  };
  const base = githubBase(t.api);
  const out: PullRequest[] = [];
  for (let page: number | undefined = 1; page !== undefined;) {
    const url = new URL(
      `repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}/pulls`,
      base,
    );
    url.search = new URLSearchParams({
      state: 'open',
      per_page: '100',
      page: String(page),
    }).toString();
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
