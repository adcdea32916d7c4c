import { azureDevOpsBase, azureDevOpsCall, AZURE_DEVOPS_API_VERSION } from './azure-devops.js';
import { getJson, type ScmHttpOptions } from './http.js';
import { pageItems, str, unlessNotFound, type RepoProvider, type ScmRepo } from './types.js';

/** An Azure DevOps team project, as the scmProvider generator reads it. */
export interface AzureDevOpsProject {
  readonly organization: string;
  readonly teamProject: string;
  readonly api: string;
  readonly accessToken: string;
  readonly allBranches?: boolean;
}

const heads = (ref: string) => ref.replace('refs/heads/', '');

/**
 * The Git repositories of an Azure DevOps team project
 * (`GET {org}/{project}/_apis/git/repositories`), as in Argo CD: the URL
 * is the repository's `remoteUrl` whatever `cloneProtocol` says, no labels,
 * the UUID as `repository_id`; a repository without a default branch is
 * left out, and branches come from `.../stats/branches`.
 */
export function azureDevOpsRepos(o: AzureDevOpsProject, http: ScmHttpOptions): RepoProvider {
  const call = azureDevOpsCall(o.accessToken, http);
  const base = new URL(
    `${encodeURIComponent(o.teamProject)}/_apis/git/`,
    azureDevOpsBase(o.api, o.organization),
  );
  const get = (path: string, query: Record<string, string> = {}) => {
    const url = new URL(path, base);
    for (const [k, v] of Object.entries({ ...query, 'api-version': AZURE_DEVOPS_API_VERSION }))
      url.searchParams.set(k, v);
    return { url, answer: getJson(url, call) };
  };
  const branchesPath = (r: ScmRepo) =>
    `repositories/${encodeURIComponent(r.repository)}/stats/branches`;
  const withCommit = (repo: ScmRepo, b: unknown) => ({
    ...repo,
    branch: str(b, 'name'),
    sha: str(b, 'commit', 'commitId'),
  });
  return {
    async listRepos() {
      const { url, answer } = get('repositories');
      const out: ScmRepo[] = [];
      for (const r of pageItems((await answer).body, 'value', url, call)) {
        const [name, branch, remote, id] = ['name', 'defaultBranch', 'remoteUrl', 'id'].map((k) =>
          str(r, k),
        );
        if (!name || !branch || !remote || !id) continue;
        out.push({
          organization: o.organization,
          repository: name,
          url: remote,
          branch,
          sha: '',
          labels: [],
          repositoryId: id,
        });
      }
      return out;
    },
    async branches(repo) {
      if (!o.allBranches) {
        const b = await unlessNotFound(
          get(branchesPath(repo), { name: heads(repo.branch) }).answer,
        );
        return b ? [withCommit(repo, b.body)] : [];
      }
      const { url, answer } = get(branchesPath(repo));
      const list = await unlessNotFound(answer);
      return list ? pageItems(list.body, 'value', url, call).map((b) => withCommit(repo, b)) : [];
    },
    async hasPath(repo, path) {
      const { answer } = get(
        `repositories/${encodeURIComponent(String(repo.repositoryId))}/items`,
        {
          path,
          'versionDescriptor.version': repo.branch,
        },
      );
      return (await unlessNotFound(answer)) !== undefined;
    },
  };
}
