import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApplicationSetGenerator } from '@flotilla/api';
import {
  createTestCa,
  startFakeScm,
  type FakePull,
  type FakeScmServer,
  type TestCa,
} from '@flotilla/testing';
import {
  ScmError,
  ScmErrorKind,
  ScmRateLimits,
  branchSlug,
  generatorRepos,
  requeueAfterSeconds,
  runGenerator,
  type GeneratorContext,
} from '../src/index.js';
import { fakeContext } from './fakes.js';

// The pullRequest generator's API modes, each against the fake SCM hosts of
// @flotilla/testing over real HTTP: no GitHub, GitLab, Gitea or Bitbucket
// Server can run on the test machines.
const TOKEN = 'tok-3f9a1c';
const sha = (c: string) => c.repeat(40);
const PULLS: FakePull[] = [
  {
    number: 1,
    title: 'feat: one',
    branch: 'feature/One_Thing',
    targetBranch: 'main',
    headSha: sha('a'),
    labels: ['preview'],
    author: 'ana',
  },
  {
    number: 2,
    title: 'fix: two',
    branch: 'fix-two',
    targetBranch: 'release/1.x',
    headSha: sha('b'),
    labels: ['preview', 'big'],
    author: 'bo',
  },
  { number: 3, title: 'chore: three', branch: 'chore', targetBranch: 'main', headSha: sha('c') },
  {
    number: 4,
    title: 'closed one',
    branch: 'old',
    targetBranch: 'main',
    headSha: sha('d'),
    labels: ['preview'],
    state: 'closed',
  },
  {
    number: 5,
    title: 'merged one',
    branch: 'older',
    targetBranch: 'main',
    headSha: sha('e'),
    state: 'merged',
  },
];

/** Argo CD's parameters of the first pull request. */
const FIRST_PARAMS = {
  number: '1',
  title: 'feat: one',
  branch: 'feature/One_Thing',
  branch_slug: 'feature-one-thing',
  target_branch: 'main',
  target_branch_slug: 'main',
  head_sha: sha('a'),
  head_short_sha: 'aaaaaaaa',
  head_short_sha_7: 'aaaaaaa',
  author: 'ana',
};

const appKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: typeof appKey.privateKey) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const secrets: Record<string, Record<string, string>> = {
  'gh-app': { githubAppID: '42', githubAppPrivateKey: pem(appKey.privateKey) },
  'gh-app-wrong-key': { githubAppID: '42', githubAppPrivateKey: pem(otherKey) },
  'scm-token': { token: TOKEN },
  'bb-password': { password: 'pw-77aa' },
};
function ctxWith(opts: { goTemplate?: boolean; configMaps?: Record<string, string> } = {}) {
  return {
    ...fakeContext({ goTemplate: opts.goTemplate ?? false }),
    secret: async (name: string) => {
      const data = secrets[name];
      if (!data) throw new Error(`secret ${name} not found`);
      return data;
    },
    configMapKey: async (name: string, key: string) => {
      const v = opts.configMaps?.[`${name}/${key}`];
      if (v === undefined) throw new Error(`configmap ${name} has no key ${key}`);
      return v;
    },
  } satisfies GeneratorContext;
}
const tokenRef = { secretName: 'scm-token', key: 'token' };
const basicAuth = { username: 'bot', passwordRef: { secretName: 'bb-password', key: 'password' } };
/** The error a generator run fails with; a run that succeeds fails the test. */
const failure = (p: Promise<unknown>): Promise<ScmError> =>
  p.then(
    () => {
      throw new Error('the generator was expected to fail');
    },
    (e: unknown) => e as ScmError,
  );
const numbers = (sets: Record<string, unknown>[]) => sets.map((s) => s['number']);
/** With continueOnRepoNotFoundError, the generator that failed with a 404 gives no sets. */
const tolerated = (g: { pullRequest: Record<string, unknown> }) =>
  runGenerator({ pullRequest: { ...g.pullRequest, continueOnRepoNotFoundError: true } }, ctxWith());

let scm: FakeScmServer;
beforeAll(async () => {
  // Two items a page at most, so every listing here reads several pages.
  scm = await startFakeScm({ maxPageSize: 2 });
});
afterAll(async () => {
  await scm?.[Symbol.asyncDispose]();
});
afterEach(() => {
  scm.fail(undefined);
  scm.setAuth(undefined);
  scm.requests.length = 0;
});

describe('pullRequest github', () => {
  const gh = (extra: Record<string, unknown> = {}, body: Record<string, unknown> = {}) => ({
    pullRequest: { github: { owner: 'org', repo: 'app', api: scm.baseUrl, ...extra }, ...body },
  });

  it('gives Argo CD’s parameters for each open pull request, reading every page with the token', async () => {
    scm.setPulls('org/app', PULLS);
    scm.setAuth({ token: TOKEN });
    const sets = await runGenerator(gh({ tokenRef }), ctxWith());
    expect(numbers(sets)).toEqual(['3', '2', '1']);
    expect(sets[2]).toEqual(FIRST_PARAMS);
    // GitHub Enterprise's /api/v3 base; open ones, 100 asked, 2 given: two pages.
    expect(scm.requests).toEqual([
      '/api/v3/repos/org/app/pulls?state=open&per_page=100&page=1',
      '/api/v3/repos/org/app/pulls?state=open&per_page=100&page=2',
    ]);
  });

  it('keeps pull requests carrying every label asked for; labels are a parameter with goTemplate', async () => {
    scm.setPulls('org/app', PULLS);
    const sets = await runGenerator(gh({ labels: ['preview'] }), ctxWith({ goTemplate: true }));
    expect(numbers(sets)).toEqual(['2', '1']);
    expect(sets.map((s) => s['labels'])).toEqual([['preview', 'big'], ['preview']]);
    const both = await runGenerator(gh({ labels: ['preview', 'big'] }), ctxWith());
    expect(numbers(both)).toEqual(['2']);
  });

  it('fails on refused credentials without showing them', async () => {
    scm.setPulls('org/app', PULLS);
    scm.setAuth({ token: 'another-token' });
    const err = await failure(runGenerator(gh({ tokenRef }), ctxWith()));
    expect(err).toBeInstanceOf(ScmError);
    expect(err).toMatchObject({ kind: ScmErrorKind.Unauthorized, status: 401 });
    expect((err as Error).message).toContain('refused the credentials (401): Bad credentials');
    // A provider that echoes the token back does not get it into the message.
    scm.fail({ status: 401, body: { message: `token ${TOKEN} is revoked` } });
    const echoed = await failure(runGenerator(gh({ tokenRef }), ctxWith()));
    expect((echoed as Error).message).toContain('token *** is revoked');
    expect((echoed as Error).message).not.toContain(TOKEN);
  });

  it('says when GitHub rate-limits, with the wait it asks for', async () => {
    scm.setPulls('org/app', PULLS);
    const reset = Math.floor(Date.now() / 1000) + 120;
    scm.fail({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded for 10.0.0.1.' },
    });
    const primary = await failure(runGenerator(gh(), ctxWith()));
    expect(primary).toMatchObject({ kind: ScmErrorKind.RateLimited, status: 403 });
    expect(primary.retryAfterSeconds).toBeGreaterThan(0);
    expect(primary.retryAfterSeconds).toBeLessThanOrEqual(120);
    expect(primary.message).toMatch(
      /is rate-limited \(403\); not asked again for \d+ s, until [0-9TZ:-]+: API rate limit/,
    );
    scm.fail({ status: 429, headers: { 'retry-after': '30' }, body: { message: 'slow down' } });
    const secondary = await failure(runGenerator(gh(), ctxWith()));
    expect(secondary).toMatchObject({ kind: ScmErrorKind.RateLimited, retryAfterSeconds: 30 });
    // A plain 403 is a refusal, not a rate limit.
    scm.fail({ status: 403, body: { message: 'Resource not accessible by integration' } });
    await expect(runGenerator(gh(), ctxWith())).rejects.toMatchObject({
      kind: ScmErrorKind.Forbidden,
    });
  });

  it('fails on a server error and when nothing answers', async () => {
    scm.setPulls('org/app', PULLS);
    scm.fail({ status: 502, body: 'Bad Gateway' });
    await expect(runGenerator(gh(), ctxWith())).rejects.toMatchObject({
      kind: ScmErrorKind.ServerError,
      message: expect.stringContaining('failed (502)'),
    });
    scm.fail(undefined);
    await scm.stop();
    try {
      const down = await failure(runGenerator(gh(), ctxWith()));
      expect(down.message).toContain('could not be reached (ECONNREFUSED)');
      expect(down.kind).toBe(ScmErrorKind.Unreachable);
    } finally {
      await scm.start();
    }
  });

  it('fails on an unknown repository unless continueOnRepoNotFoundError', async () => {
    const ghost = { pullRequest: { github: { owner: 'org', repo: 'ghost', api: scm.baseUrl } } };
    await expect(runGenerator(ghost, ctxWith())).rejects.toMatchObject({
      kind: ScmErrorKind.NotFound,
    });
    const tolerant = {
      pullRequest: { ...ghost.pullRequest, continueOnRepoNotFoundError: true },
    };
    expect(await runGenerator(tolerant, ctxWith())).toEqual([]);
  });

  it('fails clearly when the token Secret is missing, asking the API nothing', async () => {
    const missing = gh({ tokenRef: { secretName: 'nope', key: 'token' } });
    await expect(runGenerator(missing, ctxWith())).rejects.toThrow('secret nope not found');
    const noKey = gh({ tokenRef: { secretName: 'scm-token', key: 'nope' } });
    await expect(runGenerator(noKey, ctxWith())).rejects.toThrow(
      'pullRequest.github.tokenRef: key "nope" in secret scm-token not found',
    );
    expect(scm.requests).toEqual([]);
  });
});

describe('pullRequest github with a GitHub App (appSecretName)', () => {
  const INSTALLATION_TOKEN = 'ghs-installation-81f2';
  const gh = (appSecretName: string, owner = 'org') => ({
    pullRequest: { github: { owner, repo: 'app', api: scm.baseUrl, appSecretName } },
  });
  beforeAll(() => {
    scm.setGithubApp({
      appId: '42',
      publicKey: appKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      installations: [{ id: 7, account: 'Org' }],
      token: INSTALLATION_TOKEN,
    });
  });
  afterAll(() => scm.setGithubApp(undefined));

  it('signs in as the app, finds its installation on the owner and reads with its token', async () => {
    scm.setPulls('org/app', PULLS);
    scm.setAuth({ token: INSTALLATION_TOKEN });
    expect(numbers(await runGenerator(gh('gh-app'), ctxWith()))).toEqual(['3', '2', '1']);
    expect(scm.requests.slice(0, 3)).toEqual([
      '/api/v3/app/installations?per_page=100&page=1',
      '/api/v3/app/installations/7/access_tokens',
      '/api/v3/repos/org/app/pulls?state=open&per_page=100&page=1',
    ]);
  });

  it('holds a rate limit of the app’s own calls for the app, though each call signs a new JWT', async () => {
    scm.setPulls('org/app', PULLS);
    // Who each request is limited as: the app, not its JWT of the moment.
    const limits = new (class extends ScmRateLimits {
      readonly who: string[][] = [];
      override key(url: URL, secrets: readonly string[]) {
        this.who.push([...secrets]);
        return super.key(url, secrets);
      }
    })();
    const ctx = { ...ctxWith(), scmRateLimits: limits };
    scm.fail({ status: 429, headers: { 'retry-after': '60' } });
    for (let i = 0; i < 3; i++)
      await expect(runGenerator(gh('gh-app'), ctx)).rejects.toMatchObject({
        kind: ScmErrorKind.RateLimited,
      });
    expect(scm.requests).toEqual(['/api/v3/app/installations?per_page=100&page=1']);
    expect(limits.who).toEqual([['github-app:42'], ['github-app:42'], ['github-app:42']]);
  });

  it('fails when GitHub refuses the app’s key or the app is not installed on the owner', async () => {
    scm.setPulls('stranger/app', PULLS);
    const refused = await failure(runGenerator(gh('gh-app-wrong-key'), ctxWith()));
    expect(refused.message).toMatch(/app\/installations refused the credentials \(401\)/);
    await expect(runGenerator(gh('gh-app', 'stranger'), ctxWith())).rejects.toThrow(
      'the GitHub App has no installation for stranger',
    );
  });
});

describe('pullRequest filters', () => {
  const run = (filters: unknown) =>
    runGenerator(
      { pullRequest: { github: { owner: 'org', repo: 'app', api: scm.baseUrl }, filters } },
      ctxWith(),
    );

  it('keeps a pull request any filter passes, every condition of that filter holding', async () => {
    scm.setPulls('org/app', PULLS);
    expect(numbers(await run([{ branchMatch: '^feature/' }]))).toEqual(['1']);
    expect(
      numbers(await run([{ targetBranchMatch: 'release' }, { titleMatch: '^chore:' }])),
    ).toEqual(['3', '2']);
    expect(numbers(await run([{ branchMatch: 'e', targetBranchMatch: '^main$' }]))).toEqual([
      '3',
      '1',
    ]);
    expect(numbers(await run([{ titleMatch: '(?i)^FEAT' }]))).toEqual(['1']);
  });

  it('refuses a pattern that does not compile before asking the API', async () => {
    await expect(run([{ branchMatch: 'a(' }])).rejects.toThrow(
      /error compiling BranchMatch regexp "a\("/,
    );
    expect(scm.requests).toEqual([]);
  });
});

describe('pullRequest gitlab', () => {
  const gl = (extra: Record<string, unknown> = {}) => ({
    pullRequest: { gitlab: { project: 'group/sub/app', api: scm.baseUrl, ...extra } },
  });

  it('reads every page (X-Next-Page) with PRIVATE-TOKEN; every state unless pullRequestState', async () => {
    scm.setPulls('group/sub/app', PULLS);
    scm.setAuth({ token: TOKEN });
    const all = await runGenerator(gl({ tokenRef }), ctxWith());
    expect(numbers(all)).toEqual(['5', '4', '3', '2', '1']);
    expect(scm.requests[0]).toBe(
      '/api/v4/projects/group%2Fsub%2Fapp/merge_requests?per_page=100&page=1',
    );
    expect(scm.requests).toHaveLength(3);
    const open = await runGenerator(gl({ tokenRef, pullRequestState: 'opened' }), ctxWith());
    expect(numbers(open)).toEqual(['3', '2', '1']);
    expect(open[0]).toMatchObject({ branch: 'chore', author: 'someone', head_sha: sha('c') });
  });

  it('lets GitLab filter by labels', async () => {
    scm.setPulls('group/sub/app', PULLS);
    const sets = await runGenerator(
      gl({ labels: ['preview', 'big'], pullRequestState: 'opened' }),
      ctxWith({ goTemplate: true }),
    );
    expect(sets).toEqual([expect.objectContaining({ number: '2', labels: ['preview', 'big'] })]);
    expect(scm.requests[0]).toContain('labels=preview%2Cbig&state=opened');
  });

  it('fails on refused credentials', async () => {
    scm.setPulls('group/sub/app', PULLS);
    scm.setAuth({ token: 'other' });
    await expect(runGenerator(gl({ tokenRef }), ctxWith())).rejects.toThrow(
      /GitLab API .* refused the credentials \(401\): 401 Unauthorized/,
    );
  });
});

describe('pullRequest gitea', () => {
  it('reads every open pull request (Link) with the token, filtered by labels', async () => {
    scm.setPulls('org/app', PULLS);
    scm.setAuth({ token: TOKEN });
    const gitea = (labels?: string[]) => ({
      pullRequest: {
        gitea: {
          owner: 'org',
          repo: 'app',
          api: scm.baseUrl,
          tokenRef,
          ...(labels ? { labels } : {}),
        },
      },
    });
    expect(numbers(await runGenerator(gitea(), ctxWith()))).toEqual(['3', '2', '1']);
    expect(scm.requests).toEqual([
      '/api/v1/repos/org/app/pulls?state=open&limit=50&page=1',
      '/api/v1/repos/org/app/pulls?state=open&limit=50&page=2',
    ]);
    expect(numbers(await runGenerator(gitea(['big']), ctxWith()))).toEqual(['2']);
    scm.setAuth({ token: 'other' });
    await expect(runGenerator(gitea(), ctxWith())).rejects.toMatchObject({
      kind: ScmErrorKind.Unauthorized,
    });
  });
});

describe('pullRequest bitbucketServer', () => {
  const bb = (auth: Record<string, unknown>, api = scm.baseUrl) => ({
    pullRequest: { bitbucketServer: { project: 'PRJ', repo: 'app', api, ...auth } },
  });

  it('reads every open pull request (isLastPage) with basic auth or a bearer token', async () => {
    scm.setPulls('PRJ/app', PULLS);
    scm.setAuth({ basic: { username: 'bot', password: 'pw-77aa' } });
    const sets = await runGenerator(bb({ basicAuth }), ctxWith());
    expect(numbers(sets)).toEqual(['3', '2', '1']);
    expect(sets[1]).toMatchObject({
      branch: 'fix-two',
      target_branch: 'release/1.x',
      author: 'bo',
    });
    expect(sets[1]).toMatchObject({ target_branch_slug: 'release-1-x' });
    expect(scm.requests).toEqual([
      '/rest/api/1.0/projects/PRJ/repos/app/pull-requests?state=OPEN&limit=100&start=0',
      '/rest/api/1.0/projects/PRJ/repos/app/pull-requests?state=OPEN&limit=100&start=2',
    ]);
    scm.setAuth({ token: TOKEN });
    const bearer = await runGenerator(
      bb({ bearerToken: { tokenRef } }, `${scm.baseUrl}/rest`),
      ctxWith(),
    );
    expect(numbers(bearer)).toEqual(['3', '2', '1']);
    await expect(runGenerator(bb({ basicAuth }), ctxWith())).rejects.toThrow(
      /Bitbucket Server API .* refused the credentials \(401\): Authentication failed/,
    );
  });
});

describe('pullRequest bitbucket (Cloud)', () => {
  const bb = (auth: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    pullRequest: {
      bitbucket: { owner: 'team', repo: 'app', api: `${scm.baseUrl}/2.0`, ...auth },
      ...extra,
    },
  });

  it('reads every open pull request (next) with an app password or a bearer token', async () => {
    scm.setPulls('team/app', PULLS);
    scm.setAuth({ basic: { username: 'bot', password: 'pw-77aa' } });
    const sets = await runGenerator(bb({ basicAuth }), ctxWith());
    expect(numbers(sets)).toEqual(['3', '2', '1']);
    // Bitbucket Cloud's listing gives 12-character hashes; Argo CD passes them on.
    expect(sets[1]).toEqual({
      number: '2',
      title: 'fix: two',
      branch: 'fix-two',
      branch_slug: 'fix-two',
      target_branch: 'release/1.x',
      target_branch_slug: 'release-1-x',
      head_sha: 'b'.repeat(12),
      head_short_sha: 'bbbbbbbb',
      head_short_sha_7: 'bbbbbbb',
      author: 'bo',
    });
    expect(scm.requests).toEqual([
      '/2.0/repositories/team/app/pullrequests?state=OPEN&pagelen=50',
      '/2.0/repositories/team/app/pullrequests?state=OPEN&pagelen=50&page=2',
    ]);
    // A bearer token is used before basicAuth; no labels, even with goTemplate.
    scm.setAuth({ token: TOKEN });
    const bearer = await runGenerator(
      bb({ bearerToken: { tokenRef }, basicAuth }, { filters: [{ branchMatch: '^feature/' }] }),
      ctxWith({ goTemplate: true }),
    );
    expect(bearer).toEqual([expect.objectContaining({ number: '1', labels: [] })]);
    const refused = await failure(runGenerator(bb({ basicAuth }), ctxWith()));
    expect(refused).toMatchObject({ kind: ScmErrorKind.Unauthorized });
    expect(refused.message).toMatch(
      /^Bitbucket Cloud API http:\/\/127\.0\.0\.1:\d+\/2\.0\/repositories\/team\/app\/pullrequests refused the credentials \(401\): Invalid or expired credentials$/,
    );
    expect(refused.message).not.toContain('pw-77aa');
  });

  it('fails on an unknown repository unless continueOnRepoNotFoundError', async () => {
    const ghost = {
      pullRequest: { bitbucket: { owner: 'team', repo: 'ghost', api: scm.baseUrl } },
    };
    await expect(runGenerator(ghost, ctxWith())).rejects.toThrow(
      /found no such repository \(404\): Repository not found/,
    );
    expect(await tolerated(ghost)).toEqual([]);
  });

  it('reads api.bitbucket.org when api is unset, and names the repository for webhooks', async () => {
    const g = { pullRequest: { bitbucket: { owner: 'team', repo: 'app' } } };
    expect(generatorRepos([g])).toEqual(['https://bitbucket.org/team/app']);
    expect(
      generatorRepos([{ pullRequest: { bitbucket: { owner: 't', repo: 'r', api: scm.baseUrl } } }]),
    ).toEqual([]);
  });
});

describe('pullRequest azuredevops', () => {
  const ado = (extra: Record<string, unknown> = {}) => ({
    pullRequest: {
      azuredevops: {
        organization: 'myorg',
        project: 'proj',
        repo: 'app',
        api: scm.baseUrl,
        tokenRef,
        ...extra,
      },
    },
  });

  it('reads the project’s active pull requests of the repository, every page, with the PAT', async () => {
    scm.setPulls('myorg/proj/app', PULLS);
    scm.setPulls('myorg/proj/other', [{ ...PULLS[0]!, number: 9 }]);
    scm.setAuth({ token: TOKEN });
    const sets = await runGenerator(ado(), ctxWith({ goTemplate: true }));
    expect(numbers(sets)).toEqual(['3', '2', '1']);
    expect(sets[2]).toEqual({ ...FIRST_PARAMS, labels: ['preview'] });
    // Two a page from the fake: $skip moves on until a page comes back empty.
    expect(scm.requests).toEqual(
      [0, 2, 4].map(
        (skip) =>
          `/myorg/proj/_apis/git/pullrequests?searchCriteria.status=active&api-version=7.1&%24top=100&%24skip=${skip}`,
      ),
    );
    expect(numbers(await runGenerator(ado({ labels: ['preview', 'big'] }), ctxWith()))).toEqual([
      '2',
    ]);
  });

  it('fails on refused credentials and an unknown project, as Azure DevOps words them', async () => {
    scm.setPulls('myorg/proj/app', PULLS);
    scm.setAuth({ token: 'another' });
    const refused = await failure(runGenerator(ado(), ctxWith()));
    expect(refused.message).toContain(
      'refused the credentials (401): TF400813: The user is not authorized',
    );
    expect(refused.message).not.toContain(TOKEN);
    scm.setAuth(undefined);
    const ghost = ado({ project: 'ghost' });
    await expect(runGenerator(ghost, ctxWith())).rejects.toThrow(
      /Azure DevOps API .*\/myorg\/ghost\/_apis\/git\/pullrequests found no such repository \(404\): TF200016: The following project does not exist: ghost/,
    );
    expect(await tolerated(ghost)).toEqual([]);
  });

  it('needs organization, project and repo; names the repository for webhooks', async () => {
    await expect(
      runGenerator({ pullRequest: { azuredevops: { organization: 'o', repo: 'r' } } }, ctxWith()),
    ).rejects.toThrow('pullRequest.azuredevops.project is required');
    await expect(runGenerator(ado({ useWorkloadIdentity: true }), ctxWith())).rejects.toThrow(
      'pullRequest.azuredevops.useWorkloadIdentity is not supported by Flotilla',
    );
    expect(scm.requests).toEqual([]);
    expect(
      generatorRepos([
        { pullRequest: { azuredevops: { organization: 'o', project: 'p', repo: 'r' } } },
      ]),
    ).toEqual(['https://dev.azure.com/o/p/_git/r']);
  });
});

describe('pullRequest over TLS', () => {
  let dir: string;
  let ca: TestCa;
  let tls: FakeScmServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scm-tls-'));
    ca = await createTestCa(dir);
    tls = await startFakeScm({ tls: ca.server });
    tls.setPulls('group/app', PULLS);
  }, 60_000);
  afterAll(async () => {
    await tls?.[Symbol.asyncDispose]();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('trusts a caRef certificate or insecure, and refuses an unknown certificate otherwise', async () => {
    const gl = (extra: Record<string, unknown>) => ({
      pullRequest: {
        gitlab: { project: 'group/app', api: tls.baseUrl, pullRequestState: 'opened', ...extra },
      },
    });
    await expect(runGenerator(gl({}), ctxWith())).rejects.toMatchObject({
      kind: ScmErrorKind.Unreachable,
    });
    const configMaps = { 'scm-ca/ca.crt': ca.caPem };
    const trusted = await runGenerator(
      gl({ caRef: { configMapName: 'scm-ca', key: 'ca.crt' } }),
      ctxWith({ configMaps }),
    );
    expect(numbers(trusted)).toEqual(['3', '2', '1']);
    expect(numbers(await runGenerator(gl({ insecure: true }), ctxWith()))).toEqual(['3', '2', '1']);
  });
});

describe('pullRequest generator', () => {
  it('appends values, and asks to run again every 30 minutes unless told', async () => {
    scm.setPulls('org/app', PULLS.slice(0, 1));
    const g = {
      pullRequest: {
        github: { owner: 'org', repo: 'app', api: scm.baseUrl },
        values: { env: 'pr-{{number}}' },
      },
    };
    expect(await runGenerator(g, ctxWith())).toEqual([
      expect.objectContaining({ number: '1', 'values.env': 'pr-1' }),
    ]);
    expect(requeueAfterSeconds([g as ApplicationSetGenerator])).toBe(1800);
    expect(
      requeueAfterSeconds([
        { pullRequest: { ...g.pullRequest, requeueAfterSeconds: 60 } } as ApplicationSetGenerator,
      ]),
    ).toBe(60);
  });

  it('refuses an api that is not an http(s) URL, and a provider without its required fields', async () => {
    await expect(
      runGenerator(
        { pullRequest: { gitea: { owner: 'o', repo: 'r', api: 'file:///etc' } } },
        ctxWith(),
      ),
    ).rejects.toThrow('pullRequest.gitea.api must be an http(s) URL');
    await expect(
      runGenerator({ pullRequest: { gitlab: { project: 'p', api: 'not a url' } } }, ctxWith()),
    ).rejects.toThrow('pullRequest.gitlab.api must be an http(s) URL');
    await expect(
      runGenerator({ pullRequest: { bitbucketServer: { project: 'P', repo: 'r' } } }, ctxWith()),
    ).rejects.toThrow('pullRequest.bitbucketServer.api is required');
  });

  it('says which modes it knows when given none', async () => {
    await expect(runGenerator({ pullRequest: {} }, ctxWith())).rejects.toThrow(
      'the pullRequest generator needs one of github, gitlab, gitea, bitbucketServer, bitbucket, azuredevops, gitRefs',
    );
  });
});

describe('branchSlug', () => {
  it.each([
    ['feature/One_Thing', 'feature-one-thing'],
    ['  Fix: the  @home & away  ', 'fix-the-athome-and-away'],
    ['Hellö Wörld', 'hello-world'],
    ["it's--done", 'its-done'],
    ['_-x-_', 'x'],
    [`a-${'b'.repeat(60)}`, 'a'],
    ['c'.repeat(60), 'c'.repeat(50)],
    [`${'word-'.repeat(12)}end`, 'word-word-word-word-word-word-word-word-word-word'],
  ])('%s → %s', (input, want) => {
    expect(branchSlug(input)).toBe(want);
  });
});
