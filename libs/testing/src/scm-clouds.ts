import { bitbucketCloudPage } from './scm-paging.js';
import type { FakePull } from './scm-server.js';

// The pull-request listings of Bitbucket Cloud (api.bitbucket.org/2.0) and
// Azure DevOps (dev.azure.com), as their REST references publish them: the
// request, the answer's shape, paging and error bodies.

/** The cloud providers the fake serves beside the paged ones. */
export type CloudProvider = 'bitbucketCloud' | 'azure';

/** An answer to one request. */
export interface CloudAnswer {
  readonly status: number;
  readonly body: unknown;
}

const ROUTES: { provider: CloudProvider; re: RegExp }[] = [
  { provider: 'bitbucketCloud', re: /^(?:\/2\.0)?\/repositories\/([^/]+)\/([^/]+)\/pullrequests$/ },
  { provider: 'azure', re: /^\/([^/]+)\/([^/]+)\/_apis\/git\/pullrequests$/ },
];

/** Error bodies as each API gives them. */
export const CLOUD_ERRORS: Record<
  CloudProvider,
  { unauthorized: unknown; notFound: (what: string) => unknown }
> = {
  bitbucketCloud: {
    unauthorized: { type: 'error', error: { message: 'Invalid or expired credentials' } },
    notFound: () => ({ type: 'error', error: { message: 'Repository not found' } }),
  },
  azure: {
    unauthorized: { message: 'TF400813: The user is not authorized to access this resource.' },
    notFound: (project) => ({
      $id: '1',
      innerException: null,
      message: `TF200016: The following project does not exist: ${project}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
      typeName:
        'Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi',
      typeKey: 'ProjectDoesNotExistWithNameException',
      errorCode: 0,
      eventId: 3000,
    }),
  },
};

function bitbucketCloudPull(p: FakePull, host: string, workspace: string, repo: string): unknown {
  const author = p.author ?? 'someone';
  const state = p.state ?? 'open';
  const full = `${workspace}/${repo}`;
  return {
    type: 'pullrequest',
    id: p.number,
    title: p.title,
    state: state === 'open' ? 'OPEN' : state === 'merged' ? 'MERGED' : 'DECLINED',
    author: { type: 'user', display_name: author, nickname: author, uuid: `{${author}}` },
    // The listing gives abbreviated (12 character) commit hashes.
    source: {
      branch: { name: p.branch },
      commit: { type: 'commit', hash: p.headSha.slice(0, 12) },
      repository: { type: 'repository', full_name: full },
    },
    destination: {
      branch: { name: p.targetBranch },
      commit: { type: 'commit', hash: '0'.repeat(12) },
      repository: { type: 'repository', full_name: full },
    },
    links: { html: { href: `${host}/${full}/pull-requests/${p.number}` } },
  };
}

function azurePull(p: FakePull, org: string, project: string, repo: string): unknown {
  const author = p.author ?? 'someone';
  const state = p.state ?? 'open';
  return {
    repository: { id: `${project}-${repo}-id`, name: repo, project: { name: project } },
    pullRequestId: p.number,
    status: state === 'open' ? 'active' : state === 'merged' ? 'completed' : 'abandoned',
    createdBy: { displayName: author, uniqueName: `${author}@${org}.example.com` },
    title: p.title,
    sourceRefName: `refs/heads/${p.branch}`,
    targetRefName: `refs/heads/${p.targetBranch}`,
    lastMergeSourceCommit: { commitId: p.headSha },
    labels: (p.labels ?? []).map((name, i) => ({ id: `label-${i}`, name, active: true })),
  };
}

/**
 * The pull-request listing of Bitbucket Cloud
 * (`GET /2.0/repositories/{workspace}/{repo_slug}/pullrequests`: `state`,
 * default OPEN; `pagelen` up to 50, `page`, a `next` URL) or Azure DevOps
 * (`GET /{org}/{project}/_apis/git/pullrequests`: every repository of the
 * project, `searchCriteria.status` default active, `$top`, `$skip`,
 * `{value, count}`). Pulls are kept under `workspace/repo` and
 * `org/project/repo`. Undefined when `url` is not one of them.
 */
export function cloudPullRoute(
  url: URL,
  pulls: ReadonlyMap<string, readonly FakePull[]>,
  host: string,
  cap: number,
): { provider: CloudProvider; answer: () => CloudAnswer } | undefined {
  const hit = ROUTES.map((r) => ({ ...r, m: r.re.exec(url.pathname) })).find((r) => r.m);
  if (!hit?.m) return undefined;
  const [a = '', b = ''] = hit.m.slice(1).map((s) => decodeURIComponent(s));
  const q = url.searchParams;
  const order = (list: readonly FakePull[]) => [...list].sort((x, y) => y.number - x.number);
  if (hit.provider === 'bitbucketCloud')
    return {
      provider: 'bitbucketCloud',
      answer: () => {
        const list = pulls.get(`${a}/${b}`);
        if (!list) return { status: 404, body: CLOUD_ERRORS.bitbucketCloud.notFound(b) };
        const states = q.getAll('state').map((s) => s.toUpperCase());
        const want = states.length ? states : ['OPEN'];
        const all = order(list).filter((p) => {
          const s = p.state ?? 'open';
          const name = s === 'open' ? 'OPEN' : s === 'merged' ? 'MERGED' : 'DECLINED';
          return want.includes(name);
        });
        const items = all.map((p) => bitbucketCloudPull(p, host, a, b));
        return { status: 200, body: bitbucketCloudPage(items, url, host, cap, 50) };
      },
    };
  return {
    provider: 'azure',
    answer: () => {
      const prefix = `${a}/${b}/`;
      const repos = [...pulls].filter(([k]) => k.startsWith(prefix));
      if (repos.length === 0) return { status: 404, body: CLOUD_ERRORS.azure.notFound(b) };
      const status = q.get('searchCriteria.status') ?? 'active';
      const all = repos
        .flatMap(([k, list]) => list.map((p) => ({ p, repo: k.slice(prefix.length) })))
        .filter(({ p }) => {
          const s = p.state ?? 'open';
          const name = s === 'open' ? 'active' : s === 'merged' ? 'completed' : 'abandoned';
          return status === 'all' || status === name;
        })
        .sort((x, y) => y.p.number - x.p.number);
      const top = Math.min(cap, Math.max(1, Number(q.get('$top') ?? 101) || 101));
      const skip = Math.max(0, Number(q.get('$skip') ?? 0) || 0);
      const value = all.slice(skip, skip + top).map(({ p, repo }) => azurePull(p, a, b, repo));
      return { status: 200, body: { value, count: value.length } };
    },
  };
}
