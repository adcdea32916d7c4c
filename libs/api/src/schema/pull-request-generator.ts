import type { TSchema } from '@sinclair/typebox';
import { bool, int64, list, obj, opt, str, stringMap, strings } from './build.js';

const secretRef = (what: string) =>
  obj(`A key of a Secret in the ApplicationSet’s namespace holding ${what}.`, {
    secretName: str('Name of the Secret.'),
    key: str('Key in the Secret’s data.'),
  });

const caRef = () =>
  opt(
    obj(
      'A key of a ConfigMap in the ApplicationSet’s namespace holding PEM CA certificates to trust, beside the system’s.',
      { configMapName: str('Name of the ConfigMap.'), key: str('Key in the ConfigMap’s data.') },
    ),
  );
const insecure = () => opt(bool('Skip verifying the server’s TLS certificate.'));
const labels = (who: string) =>
  opt(strings(`Only pull requests carrying every one of these labels (${who}).`));
const token = (host: string) =>
  opt(secretRef(`a ${host} access token; requests are anonymous when unset`));

/** Open pull requests of a GitHub (or GitHub Enterprise) repository. */
export const PullRequestGithub = obj('Open pull requests of a GitHub repository.', {
  owner: str('The organisation or user.'),
  repo: str('The repository.'),
  api: opt(str('GitHub Enterprise’s URL; https://api.github.com when unset.')),
  tokenRef: token('GitHub'),
  appSecretName: opt(
    str(
      'A Secret in the ApplicationSet’s namespace with GitHub App credentials (githubAppID, githubAppPrivateKey, optional githubAppInstallationID and githubAppEnterpriseBaseUrl); used instead of tokenRef.',
    ),
  ),
  labels: labels('filtered by Flotilla'),
});

/** Merge requests of a GitLab project. */
export const PullRequestGitlab = obj('Merge requests of a GitLab project.', {
  project: str('The project’s numeric ID or full path (group/project).'),
  api: opt(str('The GitLab URL; https://gitlab.com when unset.')),
  tokenRef: token('GitLab'),
  labels: labels('filtered by GitLab'),
  pullRequestState: opt(str('opened, closed, merged or locked; every state when unset.')),
  insecure: insecure(),
  caRef: caRef(),
});

/** Open pull requests of a Gitea (or Forgejo) repository. */
export const PullRequestGitea = obj('Open pull requests of a Gitea repository.', {
  owner: str('The organisation or user.'),
  repo: str('The repository.'),
  api: str('The Gitea URL, such as https://gitea.example.com/.'),
  tokenRef: token('Gitea'),
  insecure: insecure(),
  labels: labels('filtered by Flotilla'),
});

const basicAuth = (password: string) =>
  opt(
    obj(`User name and ${password}.`, {
      username: str('The user name.'),
      passwordRef: secretRef(`the ${password}`),
    }),
  );
const bearerToken = (what: string) =>
  opt(obj(`${what}, used before basicAuth.`, { tokenRef: secretRef('the token') }));

/** Open pull requests of a Bitbucket Server (Data Center) repository. */
export const PullRequestBitbucketServer = obj(
  'Open pull requests of a Bitbucket Server repository (it has no labels).',
  {
    project: str('The project key.'),
    repo: str('The repository slug.'),
    api: str('The server’s URL; /rest is added unless it ends so.'),
    basicAuth: basicAuth('password'),
    bearerToken: bearerToken('An HTTP access token'),
    insecure: insecure(),
    caRef: caRef(),
  },
);

/** Open pull requests of a Bitbucket Cloud repository. */
export const PullRequestBitbucketCloud = obj(
  'Open pull requests of a Bitbucket Cloud repository (it has no labels).',
  {
    owner: str('The workspace.'),
    repo: str('The repository slug.'),
    api: opt(str('The REST API’s URL; https://api.bitbucket.org/2.0 when unset.')),
    basicAuth: basicAuth('app password'),
    bearerToken: bearerToken('A repository, project or workspace access token'),
  },
);

/** Active pull requests of an Azure DevOps repository. */
export const PullRequestAzureDevOps = obj('Active pull requests of an Azure DevOps repository.', {
  organization: str('The organisation (or collection).'),
  project: str('The project.'),
  repo: str('The repository name.'),
  api: opt(str('The server’s URL; https://dev.azure.com when unset.')),
  tokenRef: opt(
    secretRef('an Azure DevOps personal access token; requests are anonymous when unset'),
  ),
  labels: labels('filtered by Flotilla'),
  useWorkloadIdentity: opt(
    bool('Azure workload identity; not supported by Flotilla (the generator fails saying so).'),
  ),
});

/** One filter: every pattern it sets must match; a pull request passing any filter is kept. */
export const PullRequestFilter = obj(
  'Regular expressions (searched, unanchored) that must all match.',
  {
    branchMatch: opt(str('Matched against the source branch.')),
    targetBranchMatch: opt(str('Matched against the target branch.')),
    titleMatch: opt(str('Matched against the title.')),
  },
);

/**
 * Parameter sets from a host's open pull requests: set one provider (or
 * gitRefs). `template` is the generator template schema (passed in, as it
 * lives beside the other generators).
 */
export const pullRequestGenerator = <T extends TSchema>(template: T) =>
  obj(
    'One parameter set per open pull request (number, title, branch, branch_slug, target_branch, target_branch_slug, head_sha, head_short_sha, head_short_sha_7, author; labels with goTemplate). Set one of github, gitlab, gitea, bitbucketServer, bitbucket, azuredevops or gitRefs.',
    {
      github: opt(PullRequestGithub),
      gitlab: opt(PullRequestGitlab),
      gitea: opt(PullRequestGitea),
      bitbucketServer: opt(PullRequestBitbucketServer),
      bitbucket: opt(PullRequestBitbucketCloud),
      azuredevops: opt(PullRequestAzureDevOps),
      gitRefs: opt(
        obj('Open pull requests read from the repository’s refs/pull/<n>/head refs, no API.', {
          repoURL: str('Repository URL.'),
        }),
      ),
      filters: opt(list('Pull requests passing any of these filters are kept.', PullRequestFilter)),
      continueOnRepoNotFoundError: opt(
        bool('Give no parameter sets, instead of an error, when the repository does not exist.'),
      ),
      requeueAfterSeconds: opt(
        int64('How often to run the generator again, in seconds. Default 1800 (180 for gitRefs).'),
      ),
      values: opt(
        stringMap('Extra parameters, available as values.<key>; they may use other parameters.'),
      ),
      template: opt(template),
    },
  );
