import { bitbucketAuth, type BasicCredentials } from './calls.js';
import { getJson, type ScmCall, type ScmHttpOptions } from './http.js';
import { checkPage, pageItems, str, withSlash, type PullRequest } from './types.js';

/** Where a Bitbucket Server (Data Center) repository is and who reads it. */
export interface BitbucketServerTarget {
  readonly project: string;
  readonly repo: string;
  /** The server's URL; `/rest` is added unless it ends so. */
  readonly api: string;
  readonly basicAuth?: BasicCredentials;
  readonly bearerToken?: string;
}

/** The REST base of a Bitbucket Server: its URL with `/rest/` added unless it ends so. */
export function bitbucketServerBase(api: string): URL {
  const u = new URL(withSlash(api));
  if (!u.pathname.endsWith('/rest/')) u.pathname += 'rest/';
  return u;
}

/**
 * The open pull requests of a Bitbucket Server repository, every page
 * (`isLastPage`, `nextPageStart`). Bitbucket Server has no labels.
 */
export async function listBitbucketServerPulls(
  t: BitbucketServerTarget,
  http: ScmHttpOptions,
): Promise<PullRequest[]> {
  const auth = bitbucketAuth(t.basicAuth, t.bearerToken);
  const call: ScmCall = {
    ...http,
    provider: 'Bitbucket Server',
    // Bitbucket's XSRF check, which API clients skip this way.
    headers: { 'x-atlassian-token': 'no-check', ...auth.headers },
    secrets: auth.secrets,
  };
  const base = bitbucketServerBase(t.api);
  const out: PullRequest[] = [];
  for (let start: number | undefined = 0, pages = 1; start !== undefined; pages++) {
    const url = new URL(
      `api/1.0/projects/${encodeURIComponent(t.project)}/repos/${encodeURIComponent(t.repo)}/pull-requests`,
      base,
    );
    url.search = new URLSearchParams({
      state: 'OPEN',
      limit: '100',
      start: String(start),
    }).toString();
    checkPage(pages, call, url);
    const { body } = await getJson(url, call);
    const page = body as Record<string, unknown>;
    for (const p of pageItems(body, 'values', url, call))
      out.push({
        number: Number(str(p, 'id')),
        title: str(p, 'title'),
        branch: str(p, 'fromRef', 'displayId'),
        targetBranch: str(p, 'toRef', 'displayId'),
        headSha: str(p, 'fromRef', 'latestCommit'),
        labels: [],
        author: str(p, 'author', 'user', 'name'),
      });
    const next = Number(page['nextPageStart']);
    start =
      page['isLastPage'] === false && Number.isInteger(next) && next > start ? next : undefined;
  }
  return out;
}
