import type { Provider } from './verify.js';

/** What a push tells the poller. */
export interface PushEvent {
  readonly provider: Provider;
  /** Every URL the repository is known by (web, HTTPS clone, SSH clone). */
  readonly repoUrls: string[];
  /** Branch or tag pushed, without `refs/heads/` or `refs/tags/`. */
  readonly ref?: string;
  readonly isTag?: boolean;
  readonly defaultBranch?: string;
  /** Repo-relative files added, modified or removed, when the payload lists them. */
  readonly changedFiles?: string[];
}

// Webhook payloads are third-party JSON with many optional shapes; fields are read defensively.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const splitRef = (ref: string | undefined) => {
  if (!ref) return {};
  if (ref.startsWith('refs/heads/')) return { ref: ref.slice(11), isTag: false };
  if (ref.startsWith('refs/tags/')) return { ref: ref.slice(10), isTag: true };
  return { ref, isTag: false };
};

const files = (commits: Json[] | undefined) => {
  if (!Array.isArray(commits)) return undefined;
  const out = new Set<string>();
  for (const c of commits)
    for (const k of ['added', 'modified', 'removed'])
      for (const f of c?.[k] ?? []) out.add(String(f));
  return [...out];
};

const urls = (...xs: unknown[]) =>
  xs.filter((x): x is string => typeof x === 'string' && x.length > 0);

/**
 * Extracts repository, ref and changed files from a push payload; undefined
 * for events that are not pushes (pings, merge requests).
 */
export function parsePush(
  provider: Provider,
  event: string | undefined,
  body: Json,
): PushEvent | undefined {
  switch (provider) {
    case 'github':
    case 'gitea':
    case 'gogs': {
      if (event !== 'push') return undefined;
      const r = body['repository'] ?? {};
      return {
        provider,
        repoUrls: urls(r.html_url, r.clone_url, r.ssh_url, r.git_url),
        ...splitRef(body['ref']),
        defaultBranch: r.default_branch,
        changedFiles: files(body['commits']),
      };
    }
    case 'gitlab': {
      if (event !== 'Push Hook' && event !== 'Tag Push Hook') return undefined;
      const p = body['project'] ?? {};
      return {
        provider,
        repoUrls: urls(p.web_url, p.git_http_url, p.git_ssh_url, body['repository']?.homepage),
        ...splitRef(body['ref']),
        defaultBranch: p.default_branch,
        changedFiles: files(body['commits']),
      };
    }
    case 'bitbucket': {
      if (event !== 'repo:push') return undefined;
      const r = body['repository'] ?? {};
      const change = body['push']?.changes?.[0]?.new;
      return {
        provider,
        repoUrls: urls(
          r.links?.html?.href,
          r.full_name ? `https://bitbucket.org/${r.full_name}` : undefined,
        ),
        ...(change ? { ref: change.name, isTag: change.type === 'tag' } : {}),
      };
    }
    case 'bitbucketserver': {
      if (!event?.startsWith('repo:refs_changed')) return undefined;
      const r = body['repository'] ?? {};
      const change = body['changes']?.[0];
      return {
        provider,
        repoUrls: urls(...(r.links?.clone ?? []).map((c: Json) => c.href)),
        ...splitRef(change?.ref?.id ?? change?.refId),
      };
    }
    case 'azuredevops': {
      if (body['eventType'] !== 'git.push') return undefined;
      const res = body['resource'] ?? {};
      return {
        provider,
        repoUrls: urls(res.repository?.remoteUrl, res.repository?.sshUrl),
        ...splitRef(res.refUpdates?.[0]?.name),
        defaultBranch: res.repository?.defaultBranch?.replace(/^refs\/heads\//, ''),
      };
    }
    case 'generic': {
      const repo = body['repoURL'] ?? body['repository'];
      if (typeof repo !== 'string') return undefined;
      return {
        provider,
        repoUrls: [repo],
        ...splitRef(body['ref'] ?? (body['branch'] ? `refs/heads/${body['branch']}` : undefined)),
        ...(Array.isArray(body['changedFiles'])
          ? { changedFiles: body['changedFiles'].map(String) }
          : {}),
      };
    }
  }
}

/** What a pull (merge) request event tells: which repository, which request, what happened. */
export interface PullRequestEvent {
  readonly provider: Provider;
  /** Every URL the repository is known by. */
  readonly repoUrls: string[];
  readonly number?: number;
  /** opened, synchronize, closed, labeled... as the sender names it. */
  readonly action?: string;
}

/**
 * Extracts the repository of a pull or merge request event (GitHub, Gitea,
 * Gogs, GitLab, Bitbucket Cloud and Server, Azure DevOps); undefined for
 * anything else.
 */
export function parsePullRequest(
  provider: Provider,
  event: string | undefined,
  body: Json,
): PullRequestEvent | undefined {
  switch (provider) {
    case 'github':
    case 'gitea':
    case 'gogs': {
      if (event !== 'pull_request') return undefined;
      const r = body['repository'] ?? {};
      return {
        provider,
        repoUrls: urls(r.html_url, r.clone_url, r.ssh_url, r.git_url),
        number: Number(body['number'] ?? body['pull_request']?.number) || undefined,
        action: body['action'],
      };
    }
    case 'gitlab': {
      if (event !== 'Merge Request Hook') return undefined;
      const p = body['project'] ?? {};
      const attrs = body['object_attributes'] ?? {};
      return {
        provider,
        repoUrls: urls(p.web_url, p.git_http_url, p.git_ssh_url),
        number: Number(attrs.iid) || undefined,
        action: attrs.action,
      };
    }
    case 'bitbucket': {
      if (!event?.startsWith('pullrequest:')) return undefined;
      const r = body['repository'] ?? {};
      return {
        provider,
        repoUrls: urls(
          r.links?.html?.href,
          r.full_name ? `https://bitbucket.org/${r.full_name}` : undefined,
        ),
        number: Number(body['pullrequest']?.id) || undefined,
        action: event.slice('pullrequest:'.length),
      };
    }
    case 'bitbucketserver': {
      if (!event?.startsWith('pr:')) return undefined;
      const r = body['pullRequest']?.toRef?.repository ?? {};
      return {
        provider,
        repoUrls: urls(...(r.links?.clone ?? []).map((c: Json) => c.href)),
        number: Number(body['pullRequest']?.id) || undefined,
        action: event.slice('pr:'.length),
      };
    }
    case 'azuredevops': {
      const type = String(body['eventType'] ?? '');
      if (!type.startsWith('git.pullrequest.')) return undefined;
      const res = body['resource'] ?? {};
      return {
        provider,
        repoUrls: urls(res.repository?.remoteUrl, res.repository?.sshUrl),
        number: Number(res.pullRequestId) || undefined,
        action: type.slice('git.pullrequest.'.length),
      };
    }
    case 'generic': {
      const pr = body['pullRequest'];
      const repo = body['repoURL'] ?? body['repository'];
      if (!pr || typeof repo !== 'string') return undefined;
      return {
        provider,
        repoUrls: [repo],
        number: Number(pr.number) || undefined,
        action: typeof pr.action === 'string' ? pr.action : undefined,
      };
    }
  }
}
