import { gitlabBase, gitlabCall } from './calls.js';
import { getJson, type ScmHttpOptions } from './http.js';
import {
  allPages,
  gitlabNextPage,
  str,
  unlessNotFound,
  type RepoProvider,
  type ScmRepo,
} from './types.js';

/** A GitLab group, as the scmProvider generator reads it. */
export interface GitlabGroup {
  /** The group's numeric ID or full path. */
  readonly group: string;
  readonly api?: string;
  readonly token?: string;
  readonly allBranches?: boolean;
  readonly includeSubgroups?: boolean;
  /** Projects shared with the group too; true unless set false, as in Argo CD. */
  readonly includeSharedProjects?: boolean;
  readonly includeArchivedRepos?: boolean;
  readonly topic?: string;
}

/** The projects of a GitLab group (`GET /groups/{id}/projects`). */
export function gitlabRepos(g: GitlabGroup, http: ScmHttpOptions): RepoProvider {
  const call = gitlabCall(g.token, http);
  const base = gitlabBase(g.api);
  const project = (r: ScmRepo) => `projects/${encodeURIComponent(String(r.repositoryId))}`;
  return {
    async listRepos(cloneProtocol) {
      const field = cloneProtocol === 'https' ? 'http_url_to_repo' : 'ssh_url_to_repo';
      if (!['', 'ssh', 'https'].includes(cloneProtocol))
        throw new Error(`unknown clone protocol for Gitlab ${cloneProtocol}`);
      const url = new URL(`groups/${encodeURIComponent(g.group)}/projects`, base);
      url.searchParams.set('include_subgroups', String(g.includeSubgroups === true));
      url.searchParams.set('with_shared', String(g.includeSharedProjects !== false));
      if (g.topic) url.searchParams.set('topic', g.topic);
      // GitLab lists archived projects only when asked, as Argo CD asks.
      if (g.includeArchivedRepos) url.searchParams.set('archived', 'true');
      const repos = await allPages(url, call, { per_page: '100' }, gitlabNextPage);
      return repos.map((r) => {
        const topics =
          Array.isArray(r['topics']) && r['topics'].length ? r['topics'] : r['tag_list'];
        return {
          organization: str(r, 'namespace', 'full_path'),
          repository: str(r, 'path'),
          url: str(r, field),
          branch: str(r, 'default_branch'),
          sha: '',
          labels: Array.isArray(topics) ? topics.map(String) : [],
          repositoryId: Number(r['id']),
        };
      });
    },
    async branches(repo) {
      if (!g.allBranches) {
        const url = new URL(
          `${project(repo)}/repository/branches/${encodeURIComponent(repo.branch)}`,
          base,
        );
        const b = await unlessNotFound(getJson(url, call));
        return b ? [{ ...repo, sha: str(b.body, 'commit', 'id') }] : [];
      }
      const url = new URL(`${project(repo)}/repository/branches`, base);
      const list = await unlessNotFound(allPages(url, call, { per_page: '100' }, gitlabNextPage));
      return (list ?? []).map((b) => ({
        ...repo,
        branch: str(b, 'name'),
        sha: str(b, 'commit', 'id'),
      }));
    },
    async hasPath(repo, path) {
      const file = new URL(`${project(repo)}/repository/files/${encodeURIComponent(path)}`, base);
      file.searchParams.set('ref', repo.branch);
      if (await unlessNotFound(getJson(file, call))) return true;
      // Not a file: a directory, perhaps.
      const tree = new URL(`${project(repo)}/repository/tree`, base);
      tree.searchParams.set('path', path);
      tree.searchParams.set('ref', repo.branch);
      return (await unlessNotFound(getJson(tree, call))) !== undefined;
    },
  };
}
