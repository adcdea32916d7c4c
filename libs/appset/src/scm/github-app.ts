import { createSign } from 'node:crypto';
import { ScmError, ScmErrorKind } from '../errors.js';
import { githubBase } from './calls.js';
import { getJson, shownUrl, type ScmCall, type ScmHttpOptions } from './http.js';
import { allPages, str } from './types.js';

/** A GitHub App's credentials, from a Secret in Argo CD's repo-creds format. */
export interface GithubApp {
  readonly appId: string;
  /** Found from the repository owner's installation when unset. */
  readonly installationId?: string;
  /** PEM. */
  readonly privateKey: string;
  readonly enterpriseBaseUrl?: string;
}

/** Reads a GitHub App from a Secret's data (`githubAppID`, `githubAppPrivateKey`, ...). */
export function githubAppFrom(data: Readonly<Record<string, string>>, secret: string): GithubApp {
  const appId = data['githubAppID'];
  const privateKey = data['githubAppPrivateKey'];
  if (!appId || !privateKey)
    throw new Error(`secret ${secret} must hold githubAppID and githubAppPrivateKey`);
  const installationId = data['githubAppInstallationID'];
  const enterpriseBaseUrl = data['githubAppEnterpriseBaseUrl'];
  return {
    appId,
    privateKey,
    ...(installationId ? { installationId } : {}),
    ...(enterpriseBaseUrl ? { enterpriseBaseUrl } : {}),
  };
}

/** The app's own JWT (RS256, ten minutes at most, as GitHub allows). */
function appJwt(app: GithubApp, now: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const secs = Math.floor(now / 1000);
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: secs - 60, exp: secs + 540, iss: app.appId })}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(app.privateKey, 'base64url');
  } catch (e) {
    // The key's own text never goes into the message.
    throw new Error(
      `the GitHub App private key cannot sign: ${(e as NodeJS.ErrnoException).code ?? 'invalid key'}`,
      {
        cause: e,
      },
    );
  }
  return `${unsigned}.${signature}`;
}

// Installation tokens last an hour: one per app installation and host is
// reused until five minutes before it expires.
const tokens = new Map<string, { token: string; expiresAt: number }>();

async function installationOf(base: URL, owner: string, call: ScmCall): Promise<string> {
  const installations = await allPages(new URL('app/installations', base), call, {
    per_page: '100',
  });
  const found = installations.find(
    (i) => str(i, 'account', 'login').toLowerCase() === owner.toLowerCase(),
  );
  if (found) return str(found, 'id');
  throw new ScmError(ScmErrorKind.NotFound, `the GitHub App has no installation for ${owner}`);
}

/**
 * An installation access token of a GitHub App for the repositories of
 * `owner`: the installation is the Secret's or the one on `owner`'s account.
 */
export async function githubAppToken(
  app: GithubApp,
  owner: string,
  api: string | undefined,
  http: ScmHttpOptions,
  now = Date.now(),
): Promise<string> {
  const base = githubBase(api || app.enterpriseBaseUrl);
  const jwt = appJwt(app, now);
  const call: ScmCall = {
    ...http,
    provider: 'GitHub',
    headers: { accept: 'application/vnd.github+json', authorization: `Bearer ${jwt}` },
    secrets: [jwt],
    limitedAs: `github-app:${app.appId}`,
  };
  const installation = app.installationId ?? (await installationOf(base, owner, call));
  const key = `${base.href}|${app.appId}|${installation}`;
  const cached = tokens.get(key);
  if (cached && cached.expiresAt - now > 5 * 60_000) return cached.token;
  const url = new URL(`app/installations/${encodeURIComponent(installation)}/access_tokens`, base);
  const { body } = await getJson(url, call, 'POST');
  const token = str(body, 'token');
  if (!token)
    throw new ScmError(
      ScmErrorKind.BadResponse,
      `GitHub API ${shownUrl(url)} answered without a token`,
    );
  const expiresAt = Date.parse(str(body, 'expires_at'));
  tokens.set(key, { token, expiresAt: Number.isNaN(expiresAt) ? now + 3_600_000 : expiresAt });
  return token;
}
