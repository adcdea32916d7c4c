import { ScmErrorKind, isScmError } from '../errors.js';
import { isObject, type Params } from '../params.js';
import { listAzureDevOpsPulls, AZURE_DEVOPS_API } from '../scm/azure-devops.js';
import { listBitbucketCloudPulls } from '../scm/bitbucket-cloud.js';
import { listBitbucketServerPulls } from '../scm/bitbucket-server.js';
import { listGiteaPulls } from '../scm/gitea.js';
import { listGithubPulls } from '../scm/github.js';
import { listGitlabMergeRequests } from '../scm/gitlab.js';
import type { PullRequest } from '../scm/types.js';
import { branchSlug } from '../slug.js';
import type { GeneratorContext } from './context.js';
import {
  apiUrl,
  bitbucketCredentials,
  githubAuth,
  goRegExp,
  httpOf,
  secretRef,
  strings,
  text,
} from './scm-inputs.js';

type Gen = Record<string, unknown>;

/** The pullRequest generator's provider modes Flotilla runs, beside `gitRefs`. */
export const PULL_REQUEST_APIS = [
  'github',
  'gitlab',
  'gitea',
  'bitbucketServer',
  'bitbucket',
  'azuredevops',
] as const;

/** Default requeue of the pullRequest generator's API modes, as Argo CD's (30 minutes). */
export const DEFAULT_PULL_REQUEST_REQUEUE_SECONDS = 1800;

/** The API mode a pullRequest generator sets, if it sets one. */
export function pullRequestApi(body: Gen): string | undefined {
  return PULL_REQUEST_APIS.find((k) => body[k] !== undefined && body[k] !== null);
}

/** Lists the pull requests of the provider a generator names, credentials read from Secrets. */
async function listPulls(mode: string, p: Gen, ctx: GeneratorContext): Promise<PullRequest[]> {
  const at = `pullRequest.${mode}`;
  switch (mode) {
    case 'github': {
      const owner = text(p, 'owner', at, true);
      const http = await httpOf(p, at, ctx);
      const { token, api } = await githubAuth(p, at, owner, http, ctx);
      return listGithubPulls(
        {
          owner,
          repo: text(p, 'repo', at, true),
          api,
          labels: strings(p, 'labels', at),
          token,
        },
        http,
      );
    }
    case 'gitlab': {
      const token = await secretRef(p['tokenRef'], `${at}.tokenRef`, ctx);
      return listGitlabMergeRequests(
        {
          project: text(p, 'project', at, true),
          api: apiUrl(p, at, false),
          labels: strings(p, 'labels', at),
          state: text(p, 'pullRequestState', at, false),
          token,
        },
        await httpOf(p, at, ctx),
      );
    }
    case 'gitea': {
      const token = await secretRef(p['tokenRef'], `${at}.tokenRef`, ctx);
      return listGiteaPulls(
        {
          owner: text(p, 'owner', at, true),
          repo: text(p, 'repo', at, true),
          api: apiUrl(p, at, true),
          labels: strings(p, 'labels', at),
          token,
        },
        await httpOf(p, at, ctx),
      );
    }
    case 'bitbucketServer':
      return listBitbucketServerPulls(
        {
          project: text(p, 'project', at, true),
          repo: text(p, 'repo', at, true),
          api: apiUrl(p, at, true),
          ...(await bitbucketCredentials(p, at, ctx)),
        },
        await httpOf(p, at, ctx),
      );
    case 'bitbucket':
      return listBitbucketCloudPulls(
        {
          owner: text(p, 'owner', at, true),
          repo: text(p, 'repo', at, true),
          api: apiUrl(p, at, false),
          ...(await bitbucketCredentials(p, at, ctx)),
        },
        await httpOf(p, at, ctx),
      );
    case 'azuredevops':
      if (p['useWorkloadIdentity'] === true)
        throw new Error(
          `${at}.useWorkloadIdentity is not supported by Flotilla: give a personal access token with tokenRef`,
        );
      return listAzureDevOpsPulls(
        {
          organization: text(p, 'organization', at, true),
          project: text(p, 'project', at, true),
          repo: text(p, 'repo', at, true),
          api: apiUrl(p, at, false),
          labels: strings(p, 'labels', at),
          token: await secretRef(p['tokenRef'], `${at}.tokenRef`, ctx),
        },
        await httpOf(p, at, ctx),
      );
    default:
      throw new Error(`the pullRequest generator's ${mode} mode is not supported yet`);
  }
}

/**
 * Compiles a generator's `filters` into a test: a pull request passes when
 * any filter has all its conditions hold (every one passes when there are
 * none). Patterns search, unanchored, as Go's MatchString.
 */
export function compilePullRequestFilters(filters: unknown): (pr: PullRequest) => boolean {
  if (filters === undefined || filters === null) return () => true;
  if (!Array.isArray(filters)) throw new Error('pullRequest.filters must be a list');
  const compiled = filters.map((f: unknown) => {
    if (!isObject(f)) throw new Error('pullRequest.filters entries must be objects');
    const re = (k: string, name: string) =>
      typeof f[k] === 'string' ? goRegExp(f[k], name) : undefined;
    return {
      branch: re('branchMatch', 'BranchMatch'),
      target: re('targetBranchMatch', 'TargetBranchMatch'),
      title: re('titleMatch', 'TitleMatch'),
    };
  });
  if (compiled.length === 0) return () => true;
  return (p) =>
    compiled.some(
      (f) =>
        (!f.branch || f.branch.test(p.branch)) &&
        (!f.target || f.target.test(p.targetBranch)) &&
        (!f.title || f.title.test(p.title)),
    );
}

/** Argo CD's parameters of one pull request; `labels` (a list) only with goTemplate. */
export function pullRequestParams(pr: PullRequest, goTemplate: boolean): Params {
  return {
    number: String(pr.number),
    title: pr.title,
    branch: pr.branch,
    branch_slug: branchSlug(pr.branch),
    target_branch: pr.targetBranch,
    target_branch_slug: branchSlug(pr.targetBranch),
    head_sha: pr.headSha,
    head_short_sha: pr.headSha.slice(0, 8),
    head_short_sha_7: pr.headSha.slice(0, 7),
    author: pr.author,
    ...(goTemplate ? { labels: [...pr.labels] } : {}),
  };
}

/**
 * The parameter sets of a pullRequest generator in an API mode: the
 * provider's open pull requests (GitLab: those of `pullRequestState`),
 * filtered. With `continueOnRepoNotFoundError`, a repository the provider
 * does not know gives no sets instead of an error.
 */
export async function pullRequestsFromApi(
  mode: string,
  body: Gen,
  ctx: GeneratorContext,
): Promise<Params[]> {
  const p = body[mode];
  if (!isObject(p)) throw new Error(`pullRequest.${mode} must be an object`);
  const keep = compilePullRequestFilters(body['filters']);
  let pulls: PullRequest[];
  try {
    pulls = await listPulls(mode, p, ctx);
  } catch (e) {
    if (
      isScmError(e) &&
      e.kind === ScmErrorKind.NotFound &&
      body['continueOnRepoNotFoundError'] === true
    )
      return [];
    throw e;
  }
  return pulls.filter(keep).map((pr) => pullRequestParams(pr, ctx.goTemplate));
}

const trimmed = (u: string) => u.replace(/\/+$/, '');

/**
 * The web URLs of the repository an API-mode pullRequest generator reads,
 * as webhooks name it (GitHub's, GitLab's, Gitea's `html_url`/`web_url`,
 * Bitbucket Server's clone links): a pull-request webhook for it runs the
 * set's generators at once. Empty when they cannot be told (a GitLab project
 * given by ID).
 */
export function pullRequestRepoUrls(body: Gen): string[] {
  const mode = pullRequestApi(body);
  const p = mode ? body[mode] : undefined;
  if (!mode || !isObject(p)) return [];
  const s = (k: string) => (typeof p[k] === 'string' ? p[k] : '');
  try {
    switch (mode) {
      case 'github': {
        const api = s('api') ? new URL(s('api')).origin : '';
        const host = !api || api === 'https://api.github.com' ? 'https://github.com' : api;
        return s('owner') && s('repo') ? [`${host}/${s('owner')}/${s('repo')}`] : [];
      }
      case 'gitlab': {
        const base = trimmed(s('api') || 'https://gitlab.com').replace(/\/api\/v4$/, '');
        return /^\d+$/.test(s('project')) || !s('project') ? [] : [`${base}/${s('project')}`];
      }
      case 'gitea':
        return s('api') && s('owner') && s('repo')
          ? [`${trimmed(s('api'))}/${s('owner')}/${s('repo')}`]
          : [];
      case 'bitbucket': {
        // The web host of Bitbucket Cloud's API; a self-chosen api names no web URL.
        const api = s('api') ? trimmed(s('api')) : 'https://api.bitbucket.org/2.0';
        return api === 'https://api.bitbucket.org/2.0' && s('owner') && s('repo')
          ? [`https://bitbucket.org/${s('owner')}/${s('repo')}`]
          : [];
      }
      case 'azuredevops': {
        const base = trimmed(s('api') || AZURE_DEVOPS_API);
        return s('organization') && s('project') && s('repo')
          ? [`${base}/${s('organization')}/${s('project')}/_git/${s('repo')}`]
          : [];
      }
      case 'bitbucketServer': {
        const base = trimmed(s('api')).replace(/\/rest$/, '');
        const project = s('project');
        return base && project && s('repo')
          ? [...new Set([project.toLowerCase(), project])].map(
              (k) => `${base}/scm/${k}/${s('repo')}`,
            )
          : [];
      }
      default:
        return [];
    }
  } catch {
    // A URL that does not parse names no repository.
    return [];
  }
}
