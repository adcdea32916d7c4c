/** The providers whose lists page by `page` (GitHub, GitLab, Gitea). */
export type PagedProvider = 'github' | 'gitlab' | 'gitea';

const SIZE_PARAM: Record<PagedProvider, string> = {
  github: 'per_page',
  gitlab: 'per_page',
  gitea: 'limit',
};
const DEFAULT_SIZE: Record<PagedProvider, number> = { github: 30, gitlab: 20, gitea: 30 };

/**
 * One page of `all`, as the provider's API gives it: the page its query
 * asks for (at most `cap` items), with `Link` headers, and GitLab's
 * `X-Next-Page`/`X-Total-Pages` or Gitea's `X-Total-Count`.
 */
export function paged(
  provider: PagedProvider,
  all: readonly unknown[],
  url: URL,
  host: string,
  cap: number,
): { body: unknown[]; headers: Record<string, string> } {
  const q = url.searchParams;
  const sizeParam = SIZE_PARAM[provider];
  const dflt = DEFAULT_SIZE[provider];
  const size = Math.min(cap, Math.max(1, Number(q.get(sizeParam) ?? dflt) || dflt));
  const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
  const pages = Math.max(1, Math.ceil(all.length / size));
  const link = (n: number) => {
    const u = new URL(`${url.pathname}${url.search}`, host);
    u.searchParams.set('page', String(n));
    u.searchParams.set(sizeParam, String(size));
    return u.toString();
  };
  const rels = [
    ...(page < pages ? [`<${link(page + 1)}>; rel="next"`, `<${link(pages)}>; rel="last"`] : []),
    ...(page > 1 ? [`<${link(1)}>; rel="first"`, `<${link(page - 1)}>; rel="prev"`] : []),
  ];
  const headers: Record<string, string> = rels.length ? { link: rels.join(', ') } : {};
  if (provider === 'gitlab')
    Object.assign(headers, {
      'x-page': String(page),
      'x-per-page': String(size),
      'x-next-page': page < pages ? String(page + 1) : '',
      'x-prev-page': page > 1 ? String(page - 1) : '',
      'x-total': String(all.length),
      'x-total-pages': String(pages),
    });
  if (provider === 'gitea') headers['x-total-count'] = String(all.length);
  if (provider === 'github')
    Object.assign(headers, { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999' });
  return { body: all.slice((page - 1) * size, page * size), headers };
}

/** Bitbucket Server's page of `all` (`start`, `limit`, `isLastPage`, `nextPageStart`). */
export function bitbucketServerPage(
  all: readonly unknown[],
  q: URLSearchParams,
  cap: number,
): unknown {
  const size = Math.min(cap, Math.max(1, Number(q.get('limit') ?? 25) || 25));
  const start = Math.max(0, Number(q.get('start') ?? 0) || 0);
  const values = all.slice(start, start + size);
  const last = start + size >= all.length;
  return {
    size: values.length,
    limit: size,
    start,
    isLastPage: last,
    values,
    ...(last ? {} : { nextPageStart: start + size }),
  };
}

/** Bitbucket Cloud's page of `all` (`page`, `pagelen` up to `max`, a `next` URL). */
export function bitbucketCloudPage(
  all: readonly unknown[],
  url: URL,
  host: string,
  cap: number,
  max = 100,
): unknown {
  const q = url.searchParams;
  const size = Math.min(cap, max, Math.max(1, Number(q.get('pagelen') ?? 10) || 10));
  const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
  const next = new URL(`${url.pathname}${url.search}`, host);
  next.searchParams.set('page', String(page + 1));
  return {
    size: all.length,
    page,
    pagelen: size,
    values: all.slice((page - 1) * size, page * size),
    ...(page * size < all.length ? { next: next.toString() } : {}),
  };
}
