import { isObject, sanitizeName, type Params } from '../params.js';
import { azureDevOpsRepos } from '../scm/repos-azure-devops.js';
import { bitbucketCloudRepos, bitbucketServerRepos } from '../scm/repos-bitbucket.js';
import { giteaRepos } from '../scm/repos-gitea.js';
import { githubRepos } from '../scm/repos-github.js';
import { gitlabRepos } from '../scm/repos-gitlab.js';
import type { RepoProvider, ScmRepo } from '../scm/types.js';
import type { GeneratorContext } from './context.js';
import {
  apiUrl,
  bitbucketCredentials,
  githubAuth,
  goRegExp,
  httpOf,
  secretRef,
  text,
} from './scm-inputs.js';

type Gen = Record<string, unknown>;

/** The scmProvider generator's providers Flotilla runs. */
export const SCM_PROVIDERS = [
  'github',
  'gitlab',
  'gitea',
  'bitbucketServer',
  'bitbucket',
  'azureDevOps',
] as const;
const NOT_BUILT = ['awsCodeCommit'];

/** Default requeue of the scmProvider generator, as Argo CD's (30 minutes). */
export const DEFAULT_SCM_PROVIDER_REQUEUE_SECONDS = 1800;

const flag = (p: Gen, k: string) => p[k] === true;

async function providerOf(body: Gen, ctx: GeneratorContext): Promise<RepoProvider> {
  const mode = [...SCM_PROVIDERS, ...NOT_BUILT].find((k) => isObject(body[k]));
  if (!mode) throw new Error(`the scmProvider generator needs one of ${SCM_PROVIDERS.join(', ')}`);
  const p = body[mode] as Gen;
  const at = `scmProvider.${mode}`;
  switch (mode) {
    case 'github': {
      const organization = text(p, 'organization', at, true);
      const http = await httpOf(p, at, ctx);
      const { token, api } = await githubAuth(p, at, organization, http, ctx);
      return githubRepos(
        {
          organization,
          api,
          token,
          allBranches: flag(p, 'allBranches'),
          excludeArchivedRepos: flag(p, 'excludeArchivedRepos'),
        },
        http,
      );
    }
    case 'gitlab':
      return gitlabRepos(
        {
          group: text(p, 'group', at, true),
          api: apiUrl(p, at, false),
          token: await secretRef(p['tokenRef'], `${at}.tokenRef`, ctx),
          allBranches: flag(p, 'allBranches'),
          includeSubgroups: flag(p, 'includeSubgroups'),
          includeSharedProjects: p['includeSharedProjects'] !== false,
          includeArchivedRepos: flag(p, 'includeArchivedRepos'),
          topic: text(p, 'topic', at, false),
        },
        await httpOf(p, at, ctx),
      );
    case 'gitea':
      return giteaRepos(
        {
          owner: text(p, 'owner', at, true),
          api: apiUrl(p, at, true),
          token: await secretRef(p['tokenRef'], `${at}.tokenRef`, ctx),
          allBranches: flag(p, 'allBranches'),
          excludeArchivedRepos: flag(p, 'excludeArchivedRepos'),
        },
        await httpOf(p, at, ctx),
      );
    case 'bitbucketServer':
      return bitbucketServerRepos(
        {
          project: text(p, 'project', at, true),
          api: apiUrl(p, at, true),
          ...(await bitbucketCredentials(p, at, ctx)),
          allBranches: flag(p, 'allBranches'),
        },
        await httpOf(p, at, ctx),
      );
    case 'bitbucket':
      return bitbucketCloudRepos(
        {
          owner: text(p, 'owner', at, true),
          // Not Argo CD's: api.bitbucket.org unless set.
          api: apiUrl(p, at, false),
          user: text(p, 'user', at, true),
          appPassword: await secretRef(p['appPasswordRef'], `${at}.appPasswordRef`, ctx),
          allBranches: flag(p, 'allBranches'),
        },
        await httpOf(p, at, ctx),
      );
    case 'azureDevOps': {
      const accessToken = await secretRef(p['accessTokenRef'], `${at}.accessTokenRef`, ctx);
      if (!accessToken) throw new Error(`${at}: no access token provided (accessTokenRef)`);
      return azureDevOpsRepos(
        {
          organization: text(p, 'organization', at, true),
          teamProject: text(p, 'teamProject', at, true),
          api: apiUrl(p, at, false),
          accessToken,
          allBranches: flag(p, 'allBranches'),
        },
        await httpOf(p, at, ctx),
      );
    }
    default:
      throw new Error(`the scmProvider generator's ${mode} provider is not supported by Flotilla`);
  }
}

interface Filter {
  readonly repository?: RegExp;
  readonly label?: RegExp;
  readonly branch?: RegExp;
  readonly pathsExist: readonly string[];
  readonly pathsDoNotExist: readonly string[];
  /** Checked on each branch (it reads one), or once per repository. */
  readonly stage: 'repo' | 'branch' | undefined;
}

/**
 * Compiles `filters` as Argo CD does: a filter with `branchMatch`,
 * `pathsExist` or `pathsDoNotExist` is checked on each branch, one with only
 * `repositoryMatch` or `labelMatch` on each repository, an empty one never.
 */
function compileFilters(filters: unknown): Filter[] {
  if (filters === undefined || filters === null) return [];
  if (!Array.isArray(filters)) throw new Error('scmProvider.filters must be a list');
  return filters.map((f: unknown) => {
    if (!isObject(f)) throw new Error('scmProvider.filters entries must be objects');
    const re = (k: string, name: string) =>
      typeof f[k] === 'string' ? goRegExp(f[k], name) : undefined;
    const paths = (k: string) =>
      Array.isArray(f[k]) ? f[k].map((x) => String(x).replace(/\/+$/, '')) : undefined;
    const repository = re('repositoryMatch', 'RepositoryMatch');
    const label = re('labelMatch', 'LabelMatch');
    const branch = re('branchMatch', 'BranchMatch');
    const exist = paths('pathsExist');
    const absent = paths('pathsDoNotExist');
    const onBranch = branch || exist || absent;
    return {
      ...(repository ? { repository } : {}),
      ...(label ? { label } : {}),
      ...(branch ? { branch } : {}),
      pathsExist: exist ?? [],
      pathsDoNotExist: absent ?? [],
      stage: onBranch ? 'branch' : repository || label ? 'repo' : undefined,
    };
  });
}

async function passes(f: Filter, r: ScmRepo, provider: RepoProvider): Promise<boolean> {
  if (f.repository && !f.repository.test(r.repository)) return false;
  if (f.branch && !f.branch.test(r.branch)) return false;
  if (f.label && !r.labels.some((l) => f.label!.test(l))) return false;
  for (const path of f.pathsExist) if (!(await provider.hasPath(r, path))) return false;
  for (const path of f.pathsDoNotExist) if (await provider.hasPath(r, path)) return false;
  return true;
}

/** The repositories any of `filters` passes (all of them when there are none). */
async function keep(
  repos: readonly ScmRepo[],
  filters: readonly Filter[],
  provider: RepoProvider,
): Promise<ScmRepo[]> {
  if (filters.length === 0) return [...repos];
  const out: ScmRepo[] = [];
  for (const r of repos) {
    for (const f of filters)
      if (await passes(f, r, provider)) {
        out.push(r);
        break;
      }
  }
  return out;
}

/**
 * The parameter sets of an scmProvider generator: one per repository of
 * the organisation (group) on its default branch, or per branch with
 * `allBranches`, filtered, with Argo CD's parameters.
 */
export async function scmProviderParams(body: Gen, ctx: GeneratorContext): Promise<Params[]> {
  const filters = compileFilters(body['filters']);
  const cloneProtocol = typeof body['cloneProtocol'] === 'string' ? body['cloneProtocol'] : '';
  const provider = await providerOf(body, ctx);
  const repos = await keep(
    await provider.listRepos(cloneProtocol),
    filters.filter((f) => f.stage === 'repo'),
    provider,
  );
  const branches: ScmRepo[] = [];
  for (const r of repos) branches.push(...(await provider.branches(r)));
  const kept = await keep(
    branches,
    filters.filter((f) => f.stage === 'branch'),
    provider,
  );
  return kept.map((r) => ({
    organization: r.organization,
    repository: r.repository,
    repository_id: r.repositoryId,
    url: r.url,
    branch: r.branch,
    sha: r.sha,
    short_sha: r.sha.slice(0, 8),
    short_sha_7: r.sha.slice(0, 7),
    labels: r.labels.join(','),
    branchNormalized: sanitizeName(r.branch),
  }));
}
