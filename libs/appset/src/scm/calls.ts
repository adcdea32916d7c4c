import type { ScmCall, ScmHttpOptions } from './http.js';
import { withSlash } from './types.js';

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

/** The REST base of a GitLab host: its URL with `/api/v4/` added unless it ends so. */
export function gitlabBase(api: string | undefined): URL {
  const u = new URL(withSlash(api || 'https://gitlab.com/'));
  if (!u.pathname.endsWith('/api/v4/')) u.pathname += 'api/v4/';
  return u;
}

/** The GitHub call every request of one listing makes. */
export function githubCall(token: string | undefined, http: ScmHttpOptions): ScmCall {
  return {
    ...http,
    provider: 'GitHub',
    headers: {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    secrets: token ? [token] : [],
  };
}

/** The GitLab call every request of one listing makes. */
export function gitlabCall(token: string | undefined, http: ScmHttpOptions): ScmCall {
  return {
    ...http,
    provider: 'GitLab',
    headers: token ? { 'private-token': token } : {},
    secrets: token ? [token] : [],
  };
}

/** The Gitea call every request of one listing makes. */
export function giteaCall(token: string | undefined, http: ScmHttpOptions): ScmCall {
  return {
    ...http,
    provider: 'Gitea',
    headers: token ? { authorization: `token ${token}` } : {},
    secrets: token ? [token] : [],
  };
}

/** Basic credentials (a user and a password, app password or token). */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * The authorization of a Bitbucket (Server or Cloud) call: the bearer
 * token when given, else Basic credentials, else none.
 */
export function bitbucketAuth(
  basicAuth: BasicCredentials | undefined,
  bearerToken: string | undefined,
): { headers: Record<string, string>; secrets: string[] } {
  if (bearerToken)
    return { headers: { authorization: `Bearer ${bearerToken}` }, secrets: [bearerToken] };
  if (!basicAuth) return { headers: {}, secrets: [] };
  const basic = Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64');
  return { headers: { authorization: `Basic ${basic}` }, secrets: [basicAuth.password, basic] };
}
