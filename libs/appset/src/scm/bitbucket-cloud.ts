import { ScmError, ScmErrorKind } from '../errors.js';
import { bitbucketAuth, type BasicCredentials } from './calls.js';
import { getJson, shownUrl, type ScmCall, type ScmHttpOptions } from './http.js';
import { checkPage, pageItems, str, withSlash, type PullRequest } from './types.js';

/** Bitbucket Cloud's REST base when `api` is unset. */
export const BITBUCKET_CLOUD_API = 'https://api.bitbucket.org/2.0';

/** Where a Bitbucket Cloud repository is and who reads it. */
export interface BitbucketCloudTarget {
  /** The workspace. */
  readonly owner: string;
  /** The repository slug. */
  readonly repo: string;
  /** The REST base; https://api.bitbucket.org/2.0 when empty. */
  readonly api: string;
  /** A user and an app password (or API token). */
  readonly basicAuth?: BasicCredentials;
  /** A repository, project or workspace access token. */
  readonly bearerToken?: string;
}

/** The call every request to Bitbucket Cloud makes. */
export function bitbucketCloudCall(
  basicAuth: BasicCredentials | undefined,
  bearerToken: string | undefined,
  http: ScmHttpOptions,
): ScmCall {
  return { ...http, provider: 'Bitbucket Cloud', ...bitbucketAuth(basicAuth, bearerToken) };
}

/**
 * Reads every page of a Bitbucket Cloud list (`{values, next}`), following
 * `next` only on the origin of the first page, so credentials never go
 * elsewhere.
 */
export async function bitbucketCloudPages(
  first: URL,
  call: ScmCall,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let url: URL | undefined = first, page = 1; url; page++) {
    checkPage(page, call, url);
    const { body } = await getJson(url, call);
    out.push(...pageItems(body, 'values', url, call));
    const b = body as Record<string, unknown>;
    const next: URL | undefined =
      typeof b['next'] === 'string' && b['next'] ? new URL(b['next'], url) : undefined;
    if (next && next.origin !== first.origin)
      throw new ScmError(
        ScmErrorKind.BadResponse,
        `${call.provider} API ${shownUrl(url)} gave a next page on another host (${next.origin}), which is not followed`,
      );
    url = next;
  }
  return out;
}

/**
 * The open pull requests of a Bitbucket Cloud repository
 * (`GET /repositories/{workspace}/{repo_slug}/pullrequests`), every page.
 * Bitbucket Cloud has no labels; the author is the user's nickname.
 */
export async function listBitbucketCloudPulls(
  t: BitbucketCloudTarget,
  http: ScmHttpOptions,
): Promise<PullRequest[]> {
  const url = new URL(
    `repositories/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}/pullrequests`,
    withSlash(t.api || BITBUCKET_CLOUD_API),
  );
  url.search = new URLSearchParams({ state: 'OPEN', pagelen: '50' }).toString();
  const values = await bitbucketCloudPages(
    url,
    bitbucketCloudCall(t.basicAuth, t.bearerToken, http),
  );
  return values.map((p) => ({
    number: Number(str(p, 'id')),
    title: str(p, 'title'),
    branch: str(p, 'source', 'branch', 'name'),
    targetBranch: str(p, 'destination', 'branch', 'name'),
    headSha: str(p, 'source', 'commit', 'hash'),
    labels: [],
    author: str(p, 'author', 'nickname'),
  }));
}
