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

/** The call every request to a Bitbucket Server makes. */
export function bitbucketServerCall(
  t: { readonly basicAuth?: BasicCredentials; readonly bearerToken?: string },
  http: ScmHttpOptions,
): ScmCall {
  const auth = bitbucketAuth(t.basicAuth, t.bearerToken);
  return {
    ...http,
    provider: 'Bitbucket Server',
    // Bitbucket's XSRF check, which API clients skip this way.
    headers: { 'x-atlassian-token': 'no-check', ...auth.headers },
    secrets: auth.secrets,
  };
}

/** Reads every page of a Bitbucket Server list (`isLastPage`, `nextPageStart`), 100 a page. */
export async function bitbucketServerPages(
  first: URL,
  call: ScmCall,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let start: number | undefined = 0, pages = 1; start !== undefined; pages++) {
    const url = new URL(first);
    url.searchParams.set('limit', '100');
    url.searchParams.set('start', String(start));
    checkPage(pages, call, url);
    const { body } = await getJson(url, call);
    out.push(...pageItems(body, 'values', url, call));
    const page = body as Record<string, unknown>;
    const next = Number(page['nextPageStart']);
    start =
      page['isLastPage'] === false && Number.isInteger(next) && next > start ? next : undefined;
  }
  return out;
}

/**
 * The open pull requests of a Bitbucket Server repository, every page.
 * Bitbucket Server has no labels.
 */
export async function listBitbucketServerPulls(
  t: BitbucketServerTarget,
  http: ScmHttpOptions,
): Promise<PullRequest[]> {
  const url = new URL(
    `api/1.0/projects/${encodeURIComponent(t.project)}/repos/${encodeURIComponent(t.repo)}/pull-requests`,
    bitbucketServerBase(t.api),
  );
  url.searchParams.set('state', 'OPEN');
  const values = await bitbucketServerPages(url, bitbucketServerCall(t, http));
  return values.map((p) => ({
    number: Number(str(p, 'id')),
    title: str(p, 'title'),
    branch: str(p, 'fromRef', 'displayId'),
    targetBranch: str(p, 'toRef', 'displayId'),
    headSha: str(p, 'fromRef', 'latestCommit'),
    labels: [],
    author: str(p, 'author', 'user', 'name'),
  }));
}
