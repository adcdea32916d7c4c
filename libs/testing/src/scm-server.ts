import { createVerify, timingSafeEqual } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { BasicAuth } from './git-server.js';
import { CLOUD_ERRORS, cloudPullRoute, type CloudProvider } from './scm-clouds.js';
import { bitbucketServerPage, paged } from './scm-paging.js';
import { cloudRepoRoute } from './scm-repos-clouds.js';
import { repoRoute, type FakeRepo } from './scm-repos.js';
import type { TlsPair } from './tls.js';

/** One pull request the fake hosts serve, in every provider's shape. */
export interface FakePull {
  readonly number: number;
  readonly title: string;
  readonly branch: string;
  readonly targetBranch: string;
  readonly headSha: string;
  readonly labels?: readonly string[];
  readonly author?: string;
  /** `open` unless set. */
  readonly state?: 'open' | 'closed' | 'merged';
}

/** An answer every API request gets instead of the real one, until cleared. */
export interface ScmFailure {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** Options of {@link startFakeScm}. */
export interface FakeScmOptions {
  /** Serve HTTPS with this certificate (from `createTestCa`); HTTP when unset. */
  readonly tls?: TlsPair;
  /** Most items one page holds, whatever the client asks (the server's own cap). */
  readonly maxPageSize?: number;
}

/** Credentials the fake hosts demand; anonymous requests are served when none are set. */
export interface ScmAuth {
  /** Accepted as each API takes a token (Bearer, `token`, GitLab's PRIVATE-TOKEN). */
  readonly token?: string;
  /** Accepted as Basic credentials (Bitbucket Server's basicAuth). */
  readonly basic?: BasicAuth;
}

/** A GitHub App the fake GitHub knows; its JWTs are checked with `publicKey`. */
export interface FakeGithubApp {
  readonly appId: string;
  /** PEM. */
  readonly publicKey: string;
  /** Accounts it is installed on. */
  readonly installations: readonly { readonly id: number; readonly account: string }[];
  /** The installation token it hands out (give it to `setAuth` to accept it). */
  readonly token: string;
}

/**
 * A fake of the REST endpoints the pullRequest generator reads, as the
 * providers publish them: GitHub `GET /repos/{owner}/{repo}/pulls` (also
 * under `/api/v3`, as GitHub Enterprise), GitLab
 * `GET /api/v4/projects/{id}/merge_requests`, Gitea
 * `GET /api/v1/repos/{owner}/{repo}/pulls`, Bitbucket Server
 * `GET /rest/api/1.0/projects/{p}/repos/{r}/pull-requests`, Bitbucket Cloud
 * `GET /2.0/repositories/{workspace}/{repo}/pullrequests` and Azure DevOps
 * `GET /{org}/{project}/_apis/git/pullrequests`, with their
 * authentication, state filters, paging (Link, X-Next-Page, isLastPage,
 * next, $skip) and error bodies; and GitHub's `GET /app/installations` and
 * `POST /app/installations/{id}/access_tokens` for a GitHub App. No real
 * SCM server can be run on the test machines.
 */
export interface FakeScmServer extends AsyncDisposable {
  /** `http(s)://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** Paths of the API requests served so far (query included), in order. */
  readonly requests: string[];
  /**
   * Sets the pull requests of one repository: `owner/repo` for GitHub,
   * Gitea and Bitbucket Cloud (the workspace), the project path (or numeric
   * ID) for GitLab, `PROJECT/repo` for Bitbucket Server,
   * `organization/project/repo` for Azure DevOps.
   */
  setPulls(repo: string, pulls: readonly FakePull[]): void;
  /**
   * Sets the repositories of an organisation (a GitLab group path, such as
   * `group/sub`), for the scmProvider generator's endpoints.
   */
  setRepos(org: string, repos: readonly FakeRepo[]): void;
  setAuth(auth: ScmAuth | undefined): void;
  setGithubApp(app: FakeGithubApp | undefined): void;
  /** Answers every request with `failure` from now on; `undefined` heals. */
  fail(failure: ScmFailure | undefined): void;
  /** Stops listening (an outage); `start` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

type Listed = 'github' | 'gitlab' | 'gitea' | 'bitbucket';
type Provider = Listed | CloudProvider;

const ROUTES: { provider: Listed; re: RegExp }[] = [
  { provider: 'github', re: /^(?:\/api\/v3)?\/repos\/([^/]+)\/([^/]+)\/pulls$/ },
  { provider: 'gitlab', re: /^\/api\/v4\/projects\/([^/]+)\/merge_requests$/ },
  { provider: 'gitea', re: /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/pulls$/ },
  {
    provider: 'bitbucket',
    re: /^\/rest\/api\/1\.0\/projects\/([^/]+)\/repos\/([^/]+)\/pull-requests$/,
  },
];

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function authorised(req: IncomingMessage, provider: Provider, auth: ScmAuth | undefined): boolean {
  if (!auth?.token && !auth?.basic) return true;
  const h = req.headers.authorization ?? '';
  const bitbucket = provider === 'bitbucket' || provider === 'bitbucketCloud';
  if (auth.token) {
    const given = /^(?:bearer|token)\s+(.+)$/i.exec(h)?.[1];
    if (given !== undefined && (!bitbucket || /^bearer/i.test(h))) return same(given, auth.token);
    // Azure DevOps takes a personal access token as the password of Basic auth.
    if (provider === 'azure' && h.startsWith('Basic ')) {
      const decoded = Buffer.from(h.slice(6), 'base64').toString();
      return same(decoded.slice(decoded.indexOf(':') + 1), auth.token);
    }
    const privateToken = req.headers['private-token'];
    if (provider === 'gitlab' && typeof privateToken === 'string')
      return same(privateToken, auth.token);
  }
  if (auth.basic && h.startsWith('Basic '))
    return same(
      Buffer.from(h.slice(6), 'base64').toString(),
      `${auth.basic.username}:${auth.basic.password}`,
    );
  return false;
}

const UNAUTHORIZED: Record<Listed, unknown> = {
  github: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
  gitlab: { message: '401 Unauthorized' },
  gitea: { message: 'user does not exist', url: '/api/swagger' },
  bitbucket: {
    errors: [{ context: null, message: 'Authentication failed.', exceptionName: null }],
  },
};
const unauthorized = (p: Provider): unknown =>
  p === 'bitbucketCloud' || p === 'azure' ? CLOUD_ERRORS[p].unauthorized : UNAUTHORIZED[p];
const NOT_FOUND: Record<Listed, unknown> = {
  github: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
  gitlab: { message: '404 Project Not Found' },
  gitea: { message: 'The target couldn’t be found.', errors: [] },
  bitbucket: {
    errors: [{ context: null, message: 'Repository does not exist.', exceptionName: null }],
  },
};

/** Whether a pull is in the state a request asks for, in each API's words. */
function inState(provider: Listed, state: string | null, p: FakePull): boolean {
  const s = p.state ?? 'open';
  switch (provider) {
    case 'github':
    case 'gitea': {
      const want = state ?? 'open';
      return want === 'all' || want === (s === 'open' ? 'open' : 'closed');
    }
    case 'gitlab': {
      const name = s === 'open' ? 'opened' : s;
      return !state || state === 'all' || state === name;
    }
    case 'bitbucket': {
      const want = (state ?? 'OPEN').toUpperCase();
      const name = s === 'open' ? 'OPEN' : s === 'merged' ? 'MERGED' : 'DECLINED';
      return want === 'ALL' || want === name;
    }
  }
}

function shape(provider: Listed, p: FakePull): unknown {
  const labels = p.labels ?? [];
  const author = p.author ?? 'someone';
  const state = p.state ?? 'open';
  switch (provider) {
    case 'github':
    case 'gitea':
      return {
        number: p.number,
        state: state === 'open' ? 'open' : 'closed',
        title: p.title,
        user: { login: author },
        labels: labels.map((name, i) => ({ id: i + 1, name })),
        head: { ref: p.branch, sha: p.headSha, label: `${author}:${p.branch}` },
        base: { ref: p.targetBranch, sha: '0'.repeat(40) },
        merged: state === 'merged',
      };
    case 'gitlab':
      return {
        iid: p.number,
        id: 1000 + p.number,
        title: p.title,
        state: state === 'open' ? 'opened' : state,
        source_branch: p.branch,
        target_branch: p.targetBranch,
        sha: p.headSha,
        labels: [...labels],
        author: { username: author },
      };
    case 'bitbucket':
      return {
        id: p.number,
        title: p.title,
        state: state === 'open' ? 'OPEN' : state === 'merged' ? 'MERGED' : 'DECLINED',
        fromRef: { id: `refs/heads/${p.branch}`, displayId: p.branch, latestCommit: p.headSha },
        toRef: { id: `refs/heads/${p.targetBranch}`, displayId: p.targetBranch },
        author: { user: { name: author, slug: author } },
      };
  }
}

/** True for an unexpired RS256 JWT of `app`, as GitHub checks an app's own token. */
function validAppJwt(req: IncomingMessage, app: FakeGithubApp): boolean {
  const jwt = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const [head, body, sig] = jwt.split('.');
  if (!head || !body || !sig) return false;
  const ok = createVerify('RSA-SHA256')
    .update(`${head}.${body}`)
    .verify(app.publicKey, Buffer.from(sig, 'base64url'));
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
  return ok && String(claims['iss']) === app.appId && Number(claims['exp']) > Date.now() / 1000;
}

/** GitHub's App endpoints; undefined when the path is not one. */
function appRoute(req: IncomingMessage, path: string, app: FakeGithubApp | undefined) {
  const list = /^(?:\/api\/v3)?\/app\/installations$/.test(path) && req.method === 'GET';
  const token = /^(?:\/api\/v3)?\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
  if (!list && !(token && req.method === 'POST')) return undefined;
  if (!app || !validAppJwt(req, app))
    return { status: 401, body: { message: 'A JSON web token could not be decoded' } };
  if (list)
    return {
      status: 200,
      body: app.installations.map((i) => ({ id: i.id, account: { login: i.account } })),
    };
  if (!app.installations.some((i) => String(i.id) === token![1]))
    return { status: 404, body: { message: 'Not Found' } };
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  return { status: 201, body: { token: app.token, expires_at: expires } };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify(body));
}

/** Starts the fake SCM hosts on a free port of 127.0.0.1. */
export async function startFakeScm(options: FakeScmOptions = {}): Promise<FakeScmServer> {
  const repos = new Map<string, readonly FakePull[]>();
  const orgs = new Map<string, readonly FakeRepo[]>();
  const requests: string[] = [];
  let auth: ScmAuth | undefined;
  let failure: ScmFailure | undefined;
  let app: FakeGithubApp | undefined;
  const cap = options.maxPageSize ?? 100;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${url.pathname}${url.search}`);
    const appAnswer = appRoute(req, url.pathname, app);
    if (appAnswer && failure)
      return send(res, failure.status, failure.body ?? {}, { ...failure.headers });
    if (appAnswer) return send(res, appAnswer.status, appAnswer.body);
    const host = `${options.tls ? 'https' : 'http'}://${req.headers.host ?? '127.0.0.1'}`;
    const store = { orgs, host, cap };
    const repoHit =
      cloudRepoRoute(url, store) ??
      (url.pathname.endsWith('/pulls') ? undefined : repoRoute(url, store));
    if (repoHit) {
      if (failure) return send(res, failure.status, failure.body ?? {}, { ...failure.headers });
      if (!authorised(req, repoHit.provider, auth))
        return send(res, 401, unauthorized(repoHit.provider));
      const a = repoHit.answer();
      return send(res, a.status, a.body, a.headers);
    }
    const cloud = cloudPullRoute(url, repos, host, cap);
    if (cloud && req.method === 'GET') {
      if (failure) return send(res, failure.status, failure.body ?? {}, { ...failure.headers });
      if (!authorised(req, cloud.provider, auth))
        return send(res, 401, unauthorized(cloud.provider));
      const a = cloud.answer();
      return send(res, a.status, a.body);
    }
    const route = ROUTES.map((r) => ({ ...r, m: r.re.exec(url.pathname) })).find((r) => r.m);
    if (!route?.m || req.method !== 'GET') return send(res, 404, { message: 'Not Found' });
    const { provider, m } = route;
    if (failure) return send(res, failure.status, failure.body ?? {}, { ...failure.headers });
    if (!authorised(req, provider, auth)) return send(res, 401, UNAUTHORIZED[provider]);
    const key = m
      .slice(1)
      .map((s) => decodeURIComponent(s))
      .join('/');
    const pulls = repos.get(key);
    if (!pulls) return send(res, 404, NOT_FOUND[provider]);
    const q = url.searchParams;
    const wantLabels = provider === 'gitlab' ? (q.get('labels')?.split(',') ?? []) : [];
    const all = pulls
      .filter((p) => inState(provider, q.get('state'), p))
      .filter((p) => wantLabels.every((l) => (p.labels ?? []).includes(l)))
      .sort((a, b) => b.number - a.number);
    if (provider === 'bitbucket')
      return send(
        res,
        200,
        bitbucketServerPage(
          all.map((p) => shape(provider, p)),
          q,
          cap,
        ),
      );
    const { body, headers } = paged(
      provider,
      all.map((p) => shape(provider, p)),
      url,
      host,
      cap,
    );
    return send(res, 200, body, headers);
  };

  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : createHttpServer(handler);
  let port = 0;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const addr = server.address();
        port = typeof addr === 'object' && addr ? addr.port : port;
        resolve();
      });
    });
  const stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await start();
  return {
    baseUrl: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    setPulls: (repo, pulls) => void repos.set(repo, [...pulls]),
    setRepos: (org, list) => void orgs.set(org, [...list]),
    setAuth: (a) => void (auth = a),
    setGithubApp: (a) => void (app = a),
    fail: (f) => void (failure = f),
    stop,
    start,
    [Symbol.asyncDispose]: () => (server.listening ? stop() : Promise.resolve()),
  };
}
