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

describe('scmProvider generator', () => {
  it('asks to run again every 30 minutes, and says which providers it lacks', async () => {
    expect(
      requeueAfterSeconds([
        { scmProvider: { github: { organization: 'o' } } } as ApplicationSetGenerator,
      ]),
    ).toBe(1800);
    await expect(
      runGenerator({ scmProvider: { bitbucketServer: { project: 'P' } } }, ctx()),
    ).rejects.toThrow("the scmProvider generator's bitbucketServer provider is not supported yet");
    await expect(runGenerator({ scmProvider: {} }, ctx())).rejects.toThrow(
      'the scmProvider generator needs one of github, gitlab, gitea',
    );
  });
});
