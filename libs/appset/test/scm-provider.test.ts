import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApplicationSetGenerator } from '@flotilla/api';
import { startFakeScm, type FakeRepo, type FakeScmServer } from '@flotilla/testing';
import {
  ScmErrorKind,
  requeueAfterSeconds,
  runGenerator,
  type GeneratorContext,
} from '../src/index.js';
import { fakeContext } from './fakes.js';

// The scmProvider generator, each provider against the fake SCM hosts of
// @flotilla/testing over real HTTP (no SCM server can run on the test machines).
const TOKEN = 'scm-org-token-9d1';
const sha = (c: string) => c.repeat(40);
const REPOS: FakeRepo[] = [
  {
    name: 'web',
    branches: {
      main: { sha: sha('a'), files: ['deploy/app.yaml', 'README.md'] },
      feature_x: { sha: sha('b'), files: ['README.md'] },
    },
    topics: ['frontend', 'team-a'],
  },
  {
    name: 'api',
    defaultBranch: 'trunk',
    branches: { trunk: { sha: sha('c'), files: ['deploy/app.yaml', 'kustomization.yaml'] } },
    topics: ['backend'],
  },
  { name: 'old', branches: { main: { sha: sha('d') } }, archived: true },
  // No default branch yet: an empty repository.
  { name: 'empty', branches: {} },
];

const ctx = (): GeneratorContext => ({
  ...fakeContext(),
  secret: async (name) => {
    if (name !== 'org-token') throw new Error(`secret ${name} not found`);
    return { token: TOKEN };
  },
});
const tokenRef = { secretName: 'org-token', key: 'token' };
const names = (sets: Record<string, unknown>[]) =>
  sets.map((s) => `${String(s['repository'])}@${String(s['branch'])}`).sort();

let scm: FakeScmServer;
beforeAll(async () => {
  scm = await startFakeScm({ maxPageSize: 2 });
  scm.setRepos('acme', REPOS);
  scm.setRepos('PRJ', REPOS);
  scm.setRepos('team', REPOS.slice(0, 3));
  scm.setRepos('myorg/proj', REPOS);
  scm.setRepos('acme/platform', [
    { name: 'infra', branches: { main: { sha: sha('e'), files: ['deploy/x.yaml'] } } },
  ]);
});
afterAll(async () => {
  await scm?.[Symbol.asyncDispose]();
});
afterEach(() => {
  scm.fail(undefined);
  scm.setAuth(undefined);
  scm.requests.length = 0;
});

describe('scmProvider github', () => {
  const gh = (extra: Record<string, unknown> = {}, body: Record<string, unknown> = {}) => ({
    scmProvider: {
      github: { organization: 'acme', api: scm.baseUrl, tokenRef, ...extra },
      ...body,
    },
  });

  it('gives Argo CD’s parameters for each repository on its default branch, every page read', async () => {
    scm.setAuth({ token: TOKEN });
    const sets = await runGenerator(gh({}, { cloneProtocol: 'https' }), ctx());
    expect(names(sets)).toEqual(['api@trunk', 'old@main', 'web@main']);
    expect(sets.find((s) => s['repository'] === 'web')).toEqual({
      organization: 'acme',
      repository: 'web',
      repository_id: expect.any(Number) as number,
      url: `${scm.baseUrl}/acme/web.git`,
      branch: 'main',
      sha: sha('a'),
      short_sha: 'aaaaaaaa',
      short_sha_7: 'aaaaaaa',
      labels: 'frontend,team-a',
      branchNormalized: 'main',
    });
    // Four repositories, two a page.
    expect(scm.requests.filter((r) => r.includes('/orgs/acme/repos'))).toEqual([
      '/api/v3/orgs/acme/repos?per_page=100&page=1',
      '/api/v3/orgs/acme/repos?per_page=100&page=2',
    ]);
    const ssh = await runGenerator(gh(), ctx());
    expect(ssh.find((s) => s['repository'] === 'web')?.['url']).toBe('git@127.0.0.1:acme/web.git');
  });

  it('lists every branch with allBranches, leaves archived ones out when asked', async () => {
    const sets = await runGenerator(gh({ allBranches: true, excludeArchivedRepos: true }), ctx());
    expect(names(sets)).toEqual(['api@trunk', 'web@feature_x', 'web@main']);
    expect(sets.find((s) => s['branch'] === 'feature_x')?.['branchNormalized']).toBe('feature-x');
  });

  it('filters by repository, labels, branches and paths, a filter passing when all it sets hold', async () => {
    const run = async (filters: unknown[]) =>
      names(await runGenerator(gh({ allBranches: true }, { filters }), ctx()));
    expect(await run([{ repositoryMatch: '^w' }])).toEqual(['web@feature_x', 'web@main']);
    expect(await run([{ labelMatch: '^back' }])).toEqual(['api@trunk']);
    expect(await run([{ pathsExist: ['deploy/'] }])).toEqual(['api@trunk', 'web@main']);
    expect(
      await run([{ pathsExist: ['deploy'], pathsDoNotExist: ['kustomization.yaml'] }]),
    ).toEqual(['web@main']);
    expect(await run([{ branchMatch: '^feature' }, { branchMatch: 'trunk' }])).toEqual([
      'api@trunk',
      'web@feature_x',
    ]);
    // As in Argo CD, repository filters pick repositories first, then branch
    // filters pick among their branches: here none of api's matches.
    expect(await run([{ branchMatch: '^feature' }, { repositoryMatch: 'api' }])).toEqual([]);
    expect(await run([{ repositoryMatch: 'web', branchMatch: 'main' }])).toEqual(['web@main']);
  });

  it('fails on refused credentials, a server error or an unknown clone protocol', async () => {
    scm.setAuth({ token: 'someone-else' });
    const refused = await runGenerator(gh(), ctx()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(refused).toMatchObject({ kind: ScmErrorKind.Unauthorized });
    expect(refused?.message).not.toContain(TOKEN);
    scm.setAuth(undefined);
    scm.fail({ status: 500, body: { message: 'boom' } });
    await expect(runGenerator(gh(), ctx())).rejects.toThrow(/failed \(500\): boom/);
    scm.fail(undefined);
    await expect(runGenerator(gh({}, { cloneProtocol: 'git' }), ctx())).rejects.toThrow(
      'unknown clone protocol for GitHub git',
    );
  });
});

describe('scmProvider gitlab', () => {
  const gl = (extra: Record<string, unknown> = {}, body: Record<string, unknown> = {}) => ({
    scmProvider: { gitlab: { group: 'acme', api: scm.baseUrl, tokenRef, ...extra }, ...body },
  });

  it('lists the group’s projects (subgroups when asked) with PRIVATE-TOKEN and X-Next-Page', async () => {
    scm.setAuth({ token: TOKEN });
    const sets = await runGenerator(gl({}, { cloneProtocol: 'https' }), ctx());
    expect(names(sets)).toEqual(['api@trunk', 'old@main', 'web@main']);
    expect(sets.find((s) => s['repository'] === 'api')).toMatchObject({
      organization: 'acme',
      url: `${scm.baseUrl}/acme/api.git`,
      sha: sha('c'),
      labels: 'backend',
    });
    expect(scm.requests[0]).toBe(
      '/api/v4/groups/acme/projects?include_subgroups=false&with_shared=true&per_page=100&page=1',
    );
    const all = await runGenerator(gl({ includeSubgroups: true, topic: 'backend' }), ctx());
    expect(names(all)).toEqual(['api@trunk']);
    const sub = await runGenerator(gl({ includeSubgroups: true }), ctx());
    expect(sub.find((s) => s['repository'] === 'infra')?.['organization']).toBe('acme/platform');
  });

  it('tells files from directories for pathsExist', async () => {
    const sets = await runGenerator(
      gl({}, { filters: [{ pathsExist: ['deploy', 'kustomization.yaml'] }] }),
      ctx(),
    );
    expect(names(sets)).toEqual(['api@trunk']);
  });
});

describe('scmProvider gitea', () => {
  it('lists the organisation’s repositories with their labels, every branch when asked', async () => {
    scm.setAuth({ token: TOKEN });
    const sets = await runGenerator(
      {
        scmProvider: {
          gitea: { owner: 'acme', api: scm.baseUrl, tokenRef, allBranches: true },
          cloneProtocol: 'https',
          filters: [{ labelMatch: 'frontend' }],
        },
      },
      ctx(),
    );
    expect(names(sets)).toEqual(['web@feature_x', 'web@main']);
    expect(sets[0]).toMatchObject({ url: `${scm.baseUrl}/acme/web`, labels: 'frontend,team-a' });
  });

  it('fails on a default branch that does not exist, as Argo CD', async () => {
    await expect(
      runGenerator(
        { scmProvider: { gitea: { owner: 'acme', api: scm.baseUrl, tokenRef } } },
        ctx(),
      ),
    ).rejects.toThrow('got 404 while getting default branch "main" for repo "empty"');
  });
});

describe('scmProvider bitbucketServer', () => {
  const bbs = (extra: Record<string, unknown> = {}, body: Record<string, unknown> = {}) => ({
    scmProvider: {
      bitbucketServer: {
        project: 'PRJ',
        api: scm.baseUrl,
        basicAuth: { username: 'bot', passwordRef: tokenRef },
        ...extra,
      },
      ...body,
    },
  });

  it('lists the project’s repositories on their default branch, leaving out one without', async () => {
    scm.setAuth({ basic: { username: 'bot', password: TOKEN } });
    const sets = await runGenerator(bbs({}, { cloneProtocol: 'https' }), ctx());
    expect(names(sets)).toEqual(['api@trunk', 'old@main', 'web@main']);
    expect(sets.find((s) => s['repository'] === 'web')).toEqual({
      organization: 'PRJ',
      repository: 'web',
      repository_id: 100,
      url: `${scm.baseUrl}/scm/prj/web.git`,
      branch: 'main',
      sha: sha('a'),
      short_sha: 'aaaaaaaa',
      short_sha_7: 'aaaaaaa',
      labels: '',
      branchNormalized: 'main',
    });
    // Four repositories, two a page; then each one's default branch.
    expect(scm.requests.slice(0, 3)).toEqual([
      '/rest/api/1.0/projects/PRJ/repos?limit=100&start=0',
      '/rest/api/1.0/projects/PRJ/repos?limit=100&start=2',
      '/rest/api/1.0/projects/PRJ/repos/web/branches/default',
    ]);
    const ssh = await runGenerator(bbs(), ctx());
    expect(ssh.find((s) => s['repository'] === 'web')?.['url']).toBe(
      'ssh://git@127.0.0.1:7999/prj/web.git',
    );
  });

  it('lists every branch with allBranches and checks paths on the branch (browse)', async () => {
    const run = async (filters: unknown[]) =>
      names(await runGenerator(bbs({ allBranches: true }, { filters }), ctx()));
    expect(await run([])).toEqual(['api@trunk', 'old@main', 'web@feature_x', 'web@main']);
    expect(await run([{ pathsExist: ['deploy'] }])).toEqual(['api@trunk', 'web@main']);
    expect(scm.requests).toContain(
      '/rest/api/1.0/projects/PRJ/repos/web/browse/deploy?at=feature_x&limit=100&type=true',
    );
  });

  it('fails on refused credentials without showing them', async () => {
    scm.setAuth({ token: 'other' });
    const err = (await runGenerator(bbs(), ctx()).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ kind: ScmErrorKind.Unauthorized });
    expect(err.message).toMatch(/^Bitbucket Server API .* refused the credentials \(401\)/);
    expect(err.message).not.toContain(TOKEN);
  });
});

describe('scmProvider bitbucket (Cloud)', () => {
  const bbc = (extra: Record<string, unknown> = {}, body: Record<string, unknown> = {}) => ({
    scmProvider: {
      bitbucket: {
        owner: 'team',
        user: 'bot',
        appPasswordRef: tokenRef,
        api: `${scm.baseUrl}/2.0`,
        ...extra,
      },
      ...body,
    },
  });

  it('lists the workspace’s repositories on their main branch with the app password', async () => {
    scm.setAuth({ basic: { username: 'bot', password: TOKEN } });
    const sets = await runGenerator(bbc(), ctx());
    expect(names(sets)).toEqual(['api@trunk', 'old@main', 'web@main']);
    expect(sets.find((s) => s['repository'] === 'web')).toMatchObject({
      organization: 'team',
      repository_id: '{repo-100}',
      url: 'git@127.0.0.1:team/web.git',
      sha: sha('a'),
      labels: '',
    });
    expect(scm.requests.slice(0, 3)).toEqual([
      '/2.0/repositories/team?role=member',
      '/2.0/repositories/team?role=member&page=2',
      '/2.0/repositories/team/web/refs/branches/main',
    ]);
    const https = await runGenerator(bbc({}, { cloneProtocol: 'https' }), ctx());
    expect(https.find((s) => s['repository'] === 'api')?.['url']).toBe(
      `${scm.baseUrl}/team/api.git`,
    );
    await expect(runGenerator(bbc({}, { cloneProtocol: 'git' }), ctx())).rejects.toThrow(
      'unknown clone protocol for Bitbucket cloud git',
    );
  });

  it('lists every branch with allBranches and checks paths at the branch’s commit', async () => {
    const sets = await runGenerator(
      bbc({ allBranches: true }, { filters: [{ pathsDoNotExist: ['deploy/app.yaml'] }] }),
      ctx(),
    );
    expect(names(sets)).toEqual(['old@main', 'web@feature_x']);
    expect(scm.requests).toContain(
      `/2.0/repositories/team/web/src/${sha('b')}/deploy/app.yaml?format=meta`,
    );
  });
});

describe('scmProvider azureDevOps', () => {
  const ado = (extra: Record<string, unknown> = {}, body: Record<string, unknown> = {}) => ({
    scmProvider: {
      azureDevOps: {
        organization: 'myorg',
        teamProject: 'proj',
        api: scm.baseUrl,
        accessTokenRef: tokenRef,
        ...extra,
      },
      ...body,
    },
  });

  it('lists the team project’s repositories with their remote URL and default branch', async () => {
    scm.setAuth({ token: TOKEN });
    const sets = await runGenerator(ado(), ctx());
    expect(names(sets)).toEqual(['api@trunk', 'old@main', 'web@main']);
    expect(sets.find((s) => s['repository'] === 'web')).toMatchObject({
      organization: 'myorg',
      repository_id: '0000-100',
      url: `${scm.baseUrl}/myorg/proj/_git/web`,
      sha: sha('a'),
      branchNormalized: 'main',
    });
    expect(scm.requests.slice(0, 2)).toEqual([
      '/myorg/proj/_apis/git/repositories?api-version=7.1',
      '/myorg/proj/_apis/git/repositories/web/stats/branches?name=main&api-version=7.1',
    ]);
  });

  it('lists every branch with allBranches and checks paths with the items API', async () => {
    const sets = await runGenerator(
      ado({ allBranches: true }, { filters: [{ pathsExist: ['kustomization.yaml'] }] }),
      ctx(),
    );
    expect(names(sets)).toEqual(['api@trunk']);
    expect(scm.requests).toContain(
      '/myorg/proj/_apis/git/repositories/0000-100/items?path=kustomization.yaml&versionDescriptor.version=feature_x&api-version=7.1',
    );
  });

  it('needs an access token, and fails on an unknown project', async () => {
    await expect(runGenerator(ado({ accessTokenRef: undefined }), ctx())).rejects.toThrow(
      'scmProvider.azureDevOps: no access token provided (accessTokenRef)',
    );
    await expect(runGenerator(ado({ teamProject: 'ghost' }), ctx())).rejects.toThrow(
      /found no such repository \(404\): TF200016: The following project does not exist: ghost/,
    );
  });
});

describe('scmProvider generator', () => {
  it('asks to run again every 30 minutes, and says which providers it lacks', async () => {
    expect(
      requeueAfterSeconds([
        { scmProvider: { github: { organization: 'o' } } } as ApplicationSetGenerator,
      ]),
    ).toBe(1800);
    await expect(
      runGenerator({ scmProvider: { awsCodeCommit: { region: 'eu-west-1' } } }, ctx()),
    ).rejects.toThrow(
      "the scmProvider generator's awsCodeCommit provider is not supported by Flotilla",
    );
    await expect(runGenerator({ scmProvider: {} }, ctx())).rejects.toThrow(
      'the scmProvider generator needs one of github, gitlab, gitea, bitbucketServer, bitbucket, azureDevOps',
    );
  });
});
