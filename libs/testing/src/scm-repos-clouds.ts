import type { CloudProvider } from './scm-clouds.js';
import { bitbucketCloudPage, bitbucketServerPage } from './scm-paging.js';
import type { FakeRepo, RepoAnswer, RepoStore } from './scm-repos.js';

// The repository endpoints the scmProvider generator reads from Bitbucket
// Server, Bitbucket Cloud and Azure DevOps, as their REST references publish
// them. Organisations are the project key (Server), the workspace (Cloud)
// and `organization/project` (Azure DevOps).

type Provider = 'bitbucket' | CloudProvider;
type Kind = 'repos' | 'default' | 'branches' | 'branch' | 'path';

const ROUTES: { p: Provider; kind: Kind; re: RegExp }[] = [
  { p: 'bitbucket', kind: 'repos', re: /^\/rest\/api\/1\.0\/projects\/([^/]+)\/repos$/ },
  {
    p: 'bitbucket',
    kind: 'default',
    re: /^\/rest\/api\/1\.0\/projects\/([^/]+)\/repos\/([^/]+)\/branches\/default$/,
  },
  {
    p: 'bitbucket',
    kind: 'branches',
    re: /^\/rest\/api\/1\.0\/projects\/([^/]+)\/repos\/([^/]+)\/branches$/,
  },
  {
    p: 'bitbucket',
    kind: 'path',
    re: /^\/rest\/api\/1\.0\/projects\/([^/]+)\/repos\/([^/]+)\/browse\/(.*)$/,
  },
  { p: 'bitbucketCloud', kind: 'repos', re: /^(?:\/2\.0)?\/repositories\/([^/]+)$/ },
  {
    p: 'bitbucketCloud',
    kind: 'branches',
    re: /^(?:\/2\.0)?\/repositories\/([^/]+)\/([^/]+)\/refs\/branches$/,
  },
  {
    p: 'bitbucketCloud',
    kind: 'branch',
    re: /^(?:\/2\.0)?\/repositories\/([^/]+)\/([^/]+)\/refs\/branches\/(.+)$/,
  },
  {
    p: 'bitbucketCloud',
    kind: 'path',
    re: /^(?:\/2\.0)?\/repositories\/([^/]+)\/([^/]+)\/src\/([^/]+)\/(.*)$/,
  },
  { p: 'azure', kind: 'repos', re: /^\/([^/]+\/[^/]+)\/_apis\/git\/repositories$/ },
  {
    p: 'azure',
    kind: 'branches',
    re: /^\/([^/]+\/[^/]+)\/_apis\/git\/repositories\/([^/]+)\/stats\/branches$/,
  },
  { p: 'azure', kind: 'path', re: /^\/([^/]+\/[^/]+)\/_apis\/git\/repositories\/([^/]+)\/items$/ },
];

const dflt = (r: FakeRepo) => r.defaultBranch ?? 'main';
const has = (files: readonly string[] | undefined, path: string) =>
  (files ?? []).some((f) => f === path || f.startsWith(`${path}/`));
const ok = (body: unknown): RepoAnswer => ({ status: 200, body });

const NOT_FOUND: Record<Provider, (what: string, typeKey?: string) => unknown> = {
  bitbucket: (what) => ({ errors: [{ context: null, message: what, exceptionName: null }] }),
  bitbucketCloud: (what) => ({ type: 'error', error: { message: what } }),
  azure: (what, typeKey = 'GitRepositoryNotFoundException') => ({
    $id: '1',
    message: what,
    typeKey,
    errorCode: 0,
  }),
};
const notFound = (p: Provider, what: string, typeKey?: string): RepoAnswer => ({
  status: 404,
  body: NOT_FOUND[p](what, typeKey),
});

function shapeRepo(p: Provider, org: string, repo: FakeRepo, id: number, host: string): unknown {
  const h = new URL(host);
  switch (p) {
    case 'bitbucket':
      return {
        id,
        slug: repo.name.toLowerCase(),
        name: repo.name,
        project: { key: org },
        links: {
          clone: [
            { name: 'http', href: `${host}/scm/${org.toLowerCase()}/${repo.name}.git` },
            {
              name: 'ssh',
              href: `ssh://git@${h.hostname}:7999/${org.toLowerCase()}/${repo.name}.git`,
            },
          ],
        },
      };
    case 'bitbucketCloud':
      return {
        type: 'repository',
        uuid: `{repo-${id}}`,
        slug: repo.name,
        full_name: `${org}/${repo.name}`,
        mainbranch: { type: 'branch', name: dflt(repo) },
        links: {
          clone: [
            { name: 'https', href: `${host}/${org}/${repo.name}.git` },
            { name: 'ssh', href: `git@${h.hostname}:${org}/${repo.name}.git` },
          ],
        },
      };
    case 'azure': {
      const [account = '', project = ''] = org.split('/');
      return {
        id: `0000-${id}`,
        name: repo.name,
        project: { name: project },
        ...(Object.keys(repo.branches).length ? { defaultBranch: `refs/heads/${dflt(repo)}` } : {}),
        remoteUrl: `${host}/${account}/${project}/_git/${repo.name}`,
        sshUrl: `git@ssh.${h.hostname}:v3/${account}/${project}/${repo.name}`,
        webUrl: `${host}/${account}/${project}/_git/${repo.name}`,
      };
    }
  }
}

/**
 * The repository endpoints of Bitbucket Server (`/rest/api/1.0/projects/{p}/repos`,
 * `.../branches/default`, `.../branches`, `.../browse/{path}`), Bitbucket
 * Cloud (`/2.0/repositories/{workspace}`, `.../refs/branches[/{name}]`,
 * `.../src/{commit}/{path}`) and Azure DevOps
 * (`/{org}/{project}/_apis/git/repositories`, `.../stats/branches`,
 * `.../items?path=`). Undefined when `url` is not one of them.
 */
export function cloudRepoRoute(
  url: URL,
  store: RepoStore,
): { provider: Provider; answer: () => RepoAnswer } | undefined {
  const hit = ROUTES.map((r) => ({ ...r, m: r.re.exec(url.pathname) })).find((r) => r.m);
  if (!hit?.m) return undefined;
  const { p, kind } = hit;
  const args = hit.m.slice(1).map((s) => decodeURIComponent(s));
  const q = url.searchParams;
  const { host, cap } = store;
  const answer = (): RepoAnswer => {
    const org = args[0] ?? '';
    const repos = store.orgs.get(org);
    if (!repos)
      return p === 'azure'
        ? notFound(p, `TF200016: The following project does not exist: ${org.split('/')[1] ?? ''}.`)
        : notFound(p, p === 'bitbucket' ? `Project ${org} does not exist.` : 'Workspace not found');
    const list = (items: unknown[]) =>
      ok(
        p === 'bitbucket'
          ? bitbucketServerPage(items, q, cap)
          : p === 'bitbucketCloud'
            ? bitbucketCloudPage(items, url, host, cap)
            : { value: items, count: items.length },
      );
    if (kind === 'repos') return list(repos.map((r, i) => shapeRepo(p, org, r, 100 + i, host)));
    // Azure DevOps names a repository by name or ID; Bitbucket Server by its slug.
    const found = repos.find((r, i) =>
      p === 'bitbucket'
        ? r.name.toLowerCase() === args[1]
        : r.name === args[1] || (p === 'azure' && `0000-${100 + i}` === args[1]),
    );
    if (!found) return notFound(p, `Repository ${args[1] ?? ''} does not exist.`);
    const branches = found.branches;
    const branch = (name: string, sha: string) =>
      p === 'bitbucket'
        ? {
            id: `refs/heads/${name}`,
            displayId: name,
            latestCommit: sha,
            isDefault: name === dflt(found),
          }
        : p === 'bitbucketCloud'
          ? { type: 'branch', name, target: { type: 'commit', hash: sha } }
          : { name, commit: { commitId: sha }, isBaseVersion: name === dflt(found) };
    switch (kind) {
      case 'default': {
        const b = branches[dflt(found)];
        return b ? ok(branch(dflt(found), b.sha)) : notFound(p, 'Branch not found');
      }
      case 'branch':
      case 'branches': {
        const name = kind === 'branch' ? args[2] : (q.get('name') ?? undefined);
        if (name !== undefined) {
          const b = branches[name];
          return b
            ? ok(branch(name, b.sha))
            : notFound(p, `Branch ${name} not found`, 'GitBranchNotFoundException');
        }
        return list(Object.entries(branches).map(([n, b]) => branch(n, b.sha)));
      }
      default: {
        // Bitbucket Cloud names the commit; the others the branch.
        const ref =
          p === 'bitbucketCloud'
            ? Object.keys(branches).find((n) => branches[n]!.sha === args[2])
            : p === 'bitbucket'
              ? (q.get('at') ?? dflt(found))
              : (q.get('versionDescriptor.version') ?? dflt(found));
        const path = (
          p === 'azure' ? (q.get('path') ?? '') : (args[p === 'bitbucketCloud' ? 3 : 2] ?? '')
        )
          .replace(/^\/+/, '')
          .replace(/\/+$/, '');
        const b = ref === undefined ? undefined : branches[ref];
        if (!b || !has(b.files, path))
          return notFound(p, `Path ${path} does not exist`, 'GitItemNotFoundException');
        const isFile = (b.files ?? []).includes(path);
        return ok(
          p === 'azure'
            ? { path: `/${path}`, isFolder: !isFile }
            : p === 'bitbucket'
              ? { type: isFile ? 'FILE' : 'DIRECTORY' }
              : { type: isFile ? 'commit_file' : 'commit_directory', path },
        );
      }
    }
  };
  return { provider: p, answer };
}
