import { githubBase, githubCall } from './calls.js';
import { getJson, type ScmHttpOptions } from './http.js';
import { allPages, pathOf, str, unlessNotFound, type RepoProvider, type ScmRepo } from './types.js';

/** A GitHub organisation, as the scmProvider generator reads it. */
export interface GithubOrg {
  readonly organization: string;
  readonly api?: string;
  readonly token?: string;
  readonly allBranches?: boolean;
  readonly excludeArchivedRepos?: boolean;
}

/** The repositories of a GitHub organisation (`GET /orgs/{org}/repos`). */
export function githubRepos(o: GithubOrg, http: ScmHttpOptions): RepoProvider {
  const call = githubCall(o.token, http);
  const base = githubBase(o.api);
  const repoPath = (r: ScmRepo) =>
    `repos/${encodeURIComponent(r.organization)}/${encodeURIComponent(r.repository)}`;
  return {
    async listRepos(cloneProtocol) {
      const field = cloneProtocol === 'https' ? 'clone_url' : 'ssh_url';
      if (!['', 'ssh', 'https'].includes(cloneProtocol))
        throw new Error(`unknown clone protocol for GitHub ${cloneProtocol}`);
      const url = new URL(`orgs/${encodeURIComponent(o.organization)}/repos`, base);
      const repos = await allPages(url, call, { per_page: '100' });
      return repos
        .filter((r) => !(o.excludeArchivedRepos && r['archived'] === true))
        .map((r) => ({
          organization: str(r, 'owner', 'login'),
          repository: str(r, 'name'),
          url: str(r, field),
          branch: str(r, 'default_branch'),
          sha: '',
          labels: Array.isArray(r['topics']) ? r['topics'].map(String) : [],
          repositoryId: Number(r['id']),
        }));
    },
    async branches(repo) {
      if (!o.allBranches) {
        if (!repo.branch) return [];
        const url = new URL(`${repoPath(repo)}/branches/${pathOf(repo.branch)}`, base);
        // No default branch: the repository is empty.
        const b = await unlessNotFound(getJson(url, call));
        return b ? [{ ...repo, sha: str(b.body, 'commit', 'sha') }] : [];
      }
      const list = await allPages(new URL(`${repoPath(repo)}/branches`, base), call, {
        per_page: '100',
      });
      return list.map((b) => ({ ...repo, branch: str(b, 'name'), sha: str(b, 'commit', 'sha') }));
    },
    async hasPath(repo, path) {
      const url = new URL(`${repoPath(repo)}/contents/${pathOf(path)}`, base);
      url.searchParams.set('ref', repo.branch);
      return (await unlessNotFound(getJson(url, call))) !== undefined;
    },
  };
}
