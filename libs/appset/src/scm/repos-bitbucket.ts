import type { BasicCredentials } from './calls.js';
import { bitbucketCloudCall, bitbucketCloudPages, BITBUCKET_CLOUD_API } from './bitbucket-cloud.js';
import {
  bitbucketServerBase,
  bitbucketServerCall,
  bitbucketServerPages,
} from './bitbucket-server.js';
import { getJson, type ScmHttpOptions } from './http.js';
import {
  pathOf,
  str,
  unlessNotFound,
  withSlash,
  type RepoProvider,
  type ScmRepo,
} from './types.js';

/** A Bitbucket Server project, as the scmProvider generator reads it. */
export interface BitbucketServerProject {
  readonly project: string;
  readonly api: string;
  readonly basicAuth?: BasicCredentials;
  readonly bearerToken?: string;
  readonly allBranches?: boolean;
}

/** The `href` of the clone link named `name`, '' when there is none. */
function cloneLink(r: Record<string, unknown>, name: string): string {
  const links = (r['links'] as Record<string, unknown> | undefined)?.['clone'];
  const hit = Array.isArray(links) ? links.find((l) => str(l, 'name') === name) : undefined;
  return hit ? str(hit, 'href') : '';
}

/**
 * The repositories of a Bitbucket Server project
 * (`GET /rest/api/1.0/projects/{project}/repos`), each on its default
 * branch (`.../branches/default`; a repository without one is left out),
 * as in Argo CD: `repository` is the name, `organization` the project key,
 * no labels, the `ssh` or `http` clone link.
 */
export function bitbucketServerRepos(
  o: BitbucketServerProject,
  http: ScmHttpOptions,
): RepoProvider {
  const call = bitbucketServerCall(o, http);
  const base = new URL('api/1.0/', bitbucketServerBase(o.api));
  // Requests name a repository by its slug; parameters by its name.
  const slugs = new Map<string, string>();
  const repoPath = (r: ScmRepo) =>
    `projects/${encodeURIComponent(r.organization)}/repos/${encodeURIComponent(slugs.get(r.repository) ?? r.repository)}`;
  const defaultBranch = async (r: ScmRepo) =>
    (await unlessNotFound(getJson(new URL(`${repoPath(r)}/branches/default`, base), call)))?.body;
  return {
    async listRepos(cloneProtocol) {
      const link = { '': 'ssh', ssh: 'ssh', https: 'http' }[cloneProtocol];
      if (!link) throw new Error(`unknown clone protocol for Bitbucket Server ${cloneProtocol}`);
      const url = new URL(`projects/${encodeURIComponent(o.project)}/repos`, base);
      const out: ScmRepo[] = [];
      for (const r of await bitbucketServerPages(url, call)) {
        const repo: ScmRepo = {
          organization: str(r, 'project', 'key') || o.project,
          repository: str(r, 'name'),
          url: cloneLink(r, link),
          branch: '',
          sha: '',
          labels: [],
          repositoryId: Number(r['id']),
        };
        slugs.set(repo.repository, str(r, 'slug') || repo.repository);
        const b = await defaultBranch(repo);
        if (!b) continue;
        out.push({ ...repo, branch: str(b, 'displayId'), sha: str(b, 'latestCommit') });
      }
      return out;
    },
    async branches(repo) {
      if (!o.allBranches) return [repo];
      const list = await bitbucketServerPages(new URL(`${repoPath(repo)}/branches`, base), call);
      return list.map((b) => ({
        ...repo,
        branch: str(b, 'displayId'),
        sha: str(b, 'latestCommit'),
      }));
    },
    async hasPath(repo, path) {
      const url = new URL(`${repoPath(repo)}/browse/${pathOf(path)}`, base);
      url.search = new URLSearchParams({ at: repo.branch, limit: '100', type: 'true' }).toString();
      return (await unlessNotFound(getJson(url, call))) !== undefined;
    },
  };
}

/** A Bitbucket Cloud workspace, as the scmProvider generator reads it. */
export interface BitbucketCloudWorkspace {
  readonly owner: string;
  /** The REST base; https://api.bitbucket.org/2.0 when empty. */
  readonly api: string;
  readonly user: string;
  readonly appPassword: string;
  readonly allBranches?: boolean;
}

/**
 * The repositories of a Bitbucket Cloud workspace the user is a member of
 * (`GET /2.0/repositories/{workspace}?role=member`), on their main branch,
 * as in Argo CD: `repository` is the slug, `repository_id` the UUID, no
 * labels, the `ssh` or `https` clone link; a path is looked up at the
 * branch's commit (`.../src/{commit}/{path}`).
 */
export function bitbucketCloudRepos(
  o: BitbucketCloudWorkspace,
  http: ScmHttpOptions,
): RepoProvider {
  const call = bitbucketCloudCall({ username: o.user, password: o.appPassword }, undefined, http);
  const base = new URL(withSlash(o.api || BITBUCKET_CLOUD_API));
  const repoPath = (r: ScmRepo) =>
    `repositories/${encodeURIComponent(o.owner)}/${encodeURIComponent(r.repository)}`;
  const withHash = (repo: ScmRepo, b: unknown) => ({
    ...repo,
    branch: str(b, 'name'),
    sha: str(b, 'target', 'hash'),
  });
  return {
    async listRepos(cloneProtocol) {
      const link = cloneProtocol || 'ssh';
      const url = new URL(`repositories/${encodeURIComponent(o.owner)}`, base);
      url.searchParams.set('role', 'member');
      return (await bitbucketCloudPages(url, call)).map((r) => {
        const href = cloneLink(r, link);
        if (!href) throw new Error(`unknown clone protocol for Bitbucket cloud ${link}`);
        return {
          organization: o.owner,
          repository: str(r, 'slug'),
          url: href,
          branch: str(r, 'mainbranch', 'name'),
          sha: '',
          labels: [],
          repositoryId: str(r, 'uuid'),
        };
      });
    },
    async branches(repo) {
      if (!o.allBranches) {
        const url = new URL(`${repoPath(repo)}/refs/branches/${pathOf(repo.branch)}`, base);
        return [withHash(repo, (await getJson(url, call)).body)];
      }
      const list = await bitbucketCloudPages(
        new URL(`${repoPath(repo)}/refs/branches`, base),
        call,
      );
      return list.map((b) => withHash(repo, b));
    },
    async hasPath(repo, path) {
      const url = new URL(
        `${repoPath(repo)}/src/${encodeURIComponent(repo.sha)}/${pathOf(path)}`,
        base,
      );
      url.searchParams.set('format', 'meta');
      return (await unlessNotFound(getJson(url, call))) !== undefined;
    },
  };
}
