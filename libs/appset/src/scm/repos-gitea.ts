import { ScmError, ScmErrorKind } from '../errors.js';
import { giteaCall } from './calls.js';
import { getJson, type ScmHttpOptions } from './http.js';
import {
  allPages,
  labelNames,
  pathOf,
  str,
  unlessNotFound,
  withSlash,
  type RepoProvider,
  type ScmRepo,
} from './types.js';

/** A Gitea organisation, as the scmProvider generator reads it. */
export interface GiteaOrg {
  readonly owner: string;
  readonly api: string;
  readonly token?: string;
  readonly allBranches?: boolean;
  readonly excludeArchivedRepos?: boolean;
}

/**
 * The repositories of a Gitea organisation (`GET /orgs/{org}/repos`); a
 * repository's labels are its issue labels and its `https` URL its web
 * page, as in Argo CD.
 */
export function giteaRepos(o: GiteaOrg, http: ScmHttpOptions): RepoProvider {
  const call = giteaCall(o.token, http);
  const base = new URL('api/v1/', withSlash(o.api));
  const repoPath = (r: { repository: string }) =>
    `repos/${encodeURIComponent(o.owner)}/${encodeURIComponent(r.repository)}`;
  return {
    async listRepos(cloneProtocol) {
      const field = cloneProtocol === 'https' ? 'html_url' : 'ssh_url';
      if (!['', 'ssh', 'https'].includes(cloneProtocol))
        throw new Error(`unknown clone protocol for Gitea ${cloneProtocol}`);
      const url = new URL(`orgs/${encodeURIComponent(o.owner)}/repos`, base);
      const repos = (await allPages(url, call, { limit: '50' })).filter(
        (r) => !(o.excludeArchivedRepos && r['archived'] === true),
      );
      const out: ScmRepo[] = [];
      for (const r of repos) {
        const repository = str(r, 'name');
        const labels = await allPages(new URL(`${repoPath({ repository })}/labels`, base), call, {
          limit: '50',
        });
        out.push({
          organization: o.owner,
          repository,
          url: str(r, field),
          branch: str(r, 'default_branch'),
          sha: '',
          labels: labelNames(labels),
          repositoryId: Number(r['id']),
        });
      }
      return out;
    },
    async branches(repo) {
      if (!o.allBranches) {
        const url = new URL(`${repoPath(repo)}/branches/${pathOf(repo.branch)}`, base);
        const b = await unlessNotFound(getJson(url, call));
        if (!b)
          throw new ScmError(
            ScmErrorKind.NotFound,
            `got 404 while getting default branch ${JSON.stringify(repo.branch)} for repo ${JSON.stringify(repo.repository)} - check your repo config`,
            404,
          );
        return [{ ...repo, sha: str(b.body, 'commit', 'id') }];
      }
      const list = await allPages(new URL(`${repoPath(repo)}/branches`, base), call, {
        limit: '50',
      });
      return list.map((b) => ({ ...repo, branch: str(b, 'name'), sha: str(b, 'commit', 'id') }));
    },
    async hasPath(repo, path) {
      const url = new URL(`${repoPath(repo)}/contents/${pathOf(path)}`, base);
      url.searchParams.set('ref', repo.branch);
      return (await unlessNotFound(getJson(url, call))) !== undefined;
    },
  };
}
