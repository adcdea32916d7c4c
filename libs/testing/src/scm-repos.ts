import { paged, type PagedProvider } from './scm-paging.js';

/** One repository of an organisation (group) the fake hosts serve. */
export interface FakeRepo {
  readonly name: string;
  /** `main` unless set; it must be one of `branches`. */
  readonly defaultBranch?: string;
  /** Branch name → its head commit and the files on it (directories are implied). */
  readonly branches: Readonly<
    Record<string, { readonly sha: string; readonly files?: readonly string[] }>
  >;
  /** GitHub's and GitLab's topics; Gitea's repository labels. */
  readonly topics?: readonly string[];
  readonly archived?: boolean;
}

/** An answer to one request. */
export interface RepoAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/** Where the fake's repositories are, and how it answers for them. */
export interface RepoStore {
  /** Organisation (or GitLab group path) → its repositories. */
  readonly orgs: ReadonlyMap<string, readonly FakeRepo[]>;
  readonly host: string;
  readonly cap: number;
}

type Found = { org: string; repo: FakeRepo; id: number };

/** Every repository with a stable numeric ID (its position over all organisations). */
function all(store: RepoStore): Found[] {
  let id = 100;
  return [...store.orgs].flatMap(([org, repos]) => repos.map((repo) => ({ org, repo, id: id++ })));
}

const dflt = (r: FakeRepo) => r.defaultBranch ?? 'main';
const has = (files: readonly string[] | undefined, path: string) =>
  (files ?? []).some((f) => f === path || f.startsWith(`${path}/`));
const ok = (body: unknown): RepoAnswer => ({ status: 200, body });
const notFound = (message = 'Not Found'): RepoAnswer => ({ status: 404, body: { message } });

function shapeRepo(p: PagedProvider, f: Found, host: string): unknown {
  const { org, repo } = f;
  const ssh = `git@${new URL(host).hostname}:${org}/${repo.name}.git`;
  if (p === 'gitlab')
    return {
      id: f.id,
      path: repo.name,
      namespace: { full_path: org },
      default_branch: dflt(repo),
      ssh_url_to_repo: ssh,
      http_url_to_repo: `${host}/${org}/${repo.name}.git`,
      topics: [...(repo.topics ?? [])],
      archived: repo.archived === true,
    };
  return {
    id: f.id,
    name: repo.name,
    owner: { login: org },
    default_branch: dflt(repo),
    ssh_url: ssh,
    clone_url: `${host}/${org}/${repo.name}.git`,
    html_url: `${host}/${org}/${repo.name}`,
    archived: repo.archived === true,
    ...(p === 'github' ? { topics: [...(repo.topics ?? [])] } : {}),
  };
}

function branch(p: PagedProvider, name: string, sha: string): unknown {
  return p === 'github' ? { name, commit: { sha } } : { name, commit: { id: sha } };
}

const ROUTES: { p: PagedProvider; kind: string; re: RegExp }[] = [
  { p: 'github', kind: 'orgRepos', re: /^(?:\/api\/v3)?\/orgs\/([^/]+)\/repos$/ },
  { p: 'github', kind: 'branches', re: /^(?:\/api\/v3)?\/repos\/([^/]+)\/([^/]+)\/branches$/ },
  { p: 'github', kind: 'branch', re: /^(?:\/api\/v3)?\/repos\/([^/]+)\/([^/]+)\/branches\/(.+)$/ },
  {
    p: 'github',
    kind: 'contents',
    re: /^(?:\/api\/v3)?\/repos\/([^/]+)\/([^/]+)\/contents\/(.*)$/,
  },
  { p: 'gitlab', kind: 'groupProjects', re: /^\/api\/v4\/groups\/([^/]+)\/projects$/ },
  { p: 'gitlab', kind: 'branches', re: /^\/api\/v4\/projects\/([^/]+)\/repository\/branches$/ },
  { p: 'gitlab', kind: 'branch', re: /^\/api\/v4\/projects\/([^/]+)\/repository\/branches\/(.+)$/ },
  { p: 'gitlab', kind: 'file', re: /^\/api\/v4\/projects\/([^/]+)\/repository\/files\/([^/]+)$/ },
  { p: 'gitlab', kind: 'tree', re: /^\/api\/v4\/projects\/([^/]+)\/repository\/tree$/ },
  { p: 'gitea', kind: 'orgRepos', re: /^\/api\/v1\/orgs\/([^/]+)\/repos$/ },
  { p: 'gitea', kind: 'labels', re: /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/labels$/ },
  { p: 'gitea', kind: 'branches', re: /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/branches$/ },
  { p: 'gitea', kind: 'branch', re: /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/branches\/(.+)$/ },
  { p: 'gitea', kind: 'contents', re: /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/contents\/(.*)$/ },
];

/**
 * The repository endpoints the scmProvider generator reads, as each API
 * publishes them: an organisation's (group's) repositories, a repository's
 * branches (or one), whether a path exists on a branch, Gitea's labels.
 * Undefined when `url` is not one of them; `answer` runs after auth.
 */
export function repoRoute(
  url: URL,
  store: RepoStore,
): { provider: PagedProvider; answer: () => RepoAnswer } | undefined {
  const hit = ROUTES.map((r) => ({ ...r, m: r.re.exec(url.pathname) })).find((r) => r.m);
  if (!hit?.m) return undefined;
  const { p, kind } = hit;
  const args = hit.m.slice(1).map((s) => decodeURIComponent(s));
  const q = url.searchParams;
  const answer = (): RepoAnswer => {
    const repos = all(store);
    const list = (items: unknown[]) => {
      const { body, headers } = paged(p, items, url, store.host, store.cap);
      return { status: 200, body, headers };
    };
    if (kind === 'orgRepos' || kind === 'groupProjects') {
      const [org] = args;
      const sub = kind === 'groupProjects' && q.get('include_subgroups') === 'true';
      const mine = repos.filter((f) => f.org === org || (sub && f.org.startsWith(`${org}/`)));
      if (mine.length === 0 && ![...store.orgs.keys()].includes(org ?? ''))
        return notFound(p === 'gitlab' ? '404 Group Not Found' : 'Not Found');
      const topic = kind === 'groupProjects' ? q.get('topic') : null;
      const archived = kind === 'groupProjects' ? q.get('archived') : null;
      return list(
        mine
          .filter((f) => !topic || (f.repo.topics ?? []).includes(topic))
          .filter((f) => archived === null || String(f.repo.archived === true) === archived)
          .map((f) => shapeRepo(p, f, store.host)),
      );
    }
    // GitLab names a project by ID or full path; the others by owner and name.
    const found =
      p === 'gitlab'
        ? repos.find((f) => String(f.id) === args[0] || `${f.org}/${f.repo.name}` === args[0])
        : repos.find((f) => f.org === args[0] && f.repo.name === args[1]);
    if (!found) return notFound(p === 'gitlab' ? '404 Project Not Found' : 'Not Found');
    const rest = p === 'gitlab' ? args.slice(1) : args.slice(2);
    const branches = found.repo.branches;
    switch (kind) {
      case 'labels':
        return list((found.repo.topics ?? []).map((name, i) => ({ id: i + 1, name })));
      case 'branches':
        return list(Object.entries(branches).map(([n, b]) => branch(p, n, b.sha)));
      case 'branch': {
        const b = branches[rest[0] ?? ''];
        return b ? ok(branch(p, rest[0] ?? '', b.sha)) : notFound('Branch Not Found');
      }
      default: {
        const ref = q.get('ref') ?? dflt(found.repo);
        const path = kind === 'tree' ? (q.get('path') ?? '') : (rest[0] ?? '');
        const b = branches[ref];
        if (!b || !has(b.files, path))
          return notFound(p === 'gitlab' ? '404 File Not Found' : 'Not Found');
        const isFile = (b.files ?? []).includes(path);
        // GitLab's files endpoint serves files only; its tree endpoint directories.
        if (kind === 'file' && !isFile) return notFound('404 File Not Found');
        if (kind === 'tree' && isFile) return notFound('404 Tree Not Found');
        return ok(isFile ? { type: 'file', path } : [{ type: 'file', path: `${path}/x` }]);
      }
    }
  };
  return { provider: p, answer };
}
