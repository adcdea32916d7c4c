import type { IncomingHttpHeaders } from 'node:http';
import parseLinkHeader from 'parse-link-header';
import { ScmError, ScmErrorKind } from '../errors.js';
import { getJson, responseHeader, shownUrl, type ScmCall } from './http.js';

/** One open pull (merge) request, as every provider's API describes it. */
export interface PullRequest {
  readonly number: number;
  readonly title: string;
  /** The source branch. */
  readonly branch: string;
  readonly targetBranch: string;
  /** The commit at the head of the source branch. */
  readonly headSha: string;
  readonly labels: readonly string[];
  /** The login (user name) of its author. */
  readonly author: string;
}

/** Most pages one listing reads: far more than the Applications a set may have. */
export const MAX_PAGES = 1000;

/** The body as a list, or a clear error. */
export function asList(body: unknown, url: URL, call: ScmCall): Record<string, unknown>[] {
  if (!Array.isArray(body))
    throw new ScmError(
      ScmErrorKind.BadResponse,
      `${call.provider} API ${shownUrl(url)} answered something other than a list`,
    );
  return body.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
}

/** The list a page object holds under `field` (`values`, `value`), or a clear error. */
export function pageItems(
  body: unknown,
  field: string,
  url: URL,
  call: ScmCall,
): Record<string, unknown>[] {
  const items =
    typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>)[field]
      : undefined;
  if (!Array.isArray(items))
    throw new ScmError(
      ScmErrorKind.BadResponse,
      `${call.provider} API ${shownUrl(url)} answered a page without ${field}`,
    );
  return items.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
}

/** A nested field as a string ('' when absent). */
export function str(o: unknown, ...path: string[]): string {
  let v: unknown = o;
  for (const p of path)
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** The page a `Link: <...>; rel="next"` header points to (GitHub, Gitea), if any. */
export function nextLinkPage(headers: IncomingHttpHeaders): number | undefined {
  const links = parseLinkHeader(responseHeader(headers, 'link') ?? null);
  const page = Number(links?.['next']?.['page']);
  return Number.isInteger(page) && page > 0 ? page : undefined;
}

/** Pull requests in the shape GitHub and Gitea share. */
export function pullsOf(list: readonly Record<string, unknown>[]): PullRequest[] {
  return list.map((p) => ({
    number: Number(p['number']),
    title: str(p, 'title'),
    branch: str(p, 'head', 'ref'),
    targetBranch: str(p, 'base', 'ref'),
    headSha: str(p, 'head', 'sha'),
    labels: labelNames(p['labels']),
    author: str(p, 'user', 'login'),
  }));
}

/** Label names of `[{name}]`. */
export function labelNames(labels: unknown): string[] {
  return Array.isArray(labels) ? labels.map((l) => str(l, 'name')).filter((n) => n !== '') : [];
}

/** True when `got` has every label of `want` (GitHub's and Gitea's filtering, done on our side). */
export function hasLabels(want: readonly string[], got: readonly string[]): boolean {
  return want.every((w) => got.includes(w));
}

/** A base URL ending in exactly one `/`. */
export function withSlash(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}

/** Guards a page loop against a provider that never stops paging. */
export function checkPage(page: number, call: ScmCall, url: URL): void {
  if (page > MAX_PAGES)
    throw new ScmError(
      ScmErrorKind.BadResponse,
      `${call.provider} API ${shownUrl(url)} gave more than ${MAX_PAGES} pages`,
    );
}

/** One branch of one repository, as the scmProvider generator lists them. */
export interface ScmRepo {
  readonly organization: string;
  readonly repository: string;
  /** The clone URL of the protocol asked for. */
  readonly url: string;
  readonly branch: string;
  /** The branch's head commit ('' before branches are read). */
  readonly sha: string;
  readonly labels: readonly string[];
  readonly repositoryId: number | string;
}

/** What the scmProvider generator asks of a provider. */
export interface RepoProvider {
  /** Every repository of the organisation, on its default branch. */
  listRepos(cloneProtocol: string): Promise<ScmRepo[]>;
  /** The repository on its default branch (with its commit), or on every branch. */
  branches(repo: ScmRepo): Promise<ScmRepo[]>;
  /** Whether a file or directory exists on the repository's branch. */
  hasPath(repo: ScmRepo, path: string): Promise<boolean>;
}

/** The result, or undefined when the provider answered 404. */
export async function unlessNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ScmError && e.kind === ScmErrorKind.NotFound) return undefined;
    throw e;
  }
}

/** Reads every page of a list that pages with `Link` or `X-Next-Page`. */
export async function allPages(
  first: URL,
  call: ScmCall,
  pageSize: Readonly<Record<string, string>>,
  next: (headers: IncomingHttpHeaders) => number | undefined = nextLinkPage,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let page: number | undefined = 1; page !== undefined;) {
    const url = new URL(first);
    for (const [k, v] of Object.entries(pageSize)) url.searchParams.set(k, v);
    url.searchParams.set('page', String(page));
    checkPage(page, call, url);
    const { body, headers } = await getJson(url, call);
    out.push(...asList(body, url, call));
    const n = next(headers);
    page = n !== undefined && n > page ? n : undefined;
  }
  return out;
}

/** GitLab's next page (`X-Next-Page`, empty on the last). */
export function gitlabNextPage(headers: IncomingHttpHeaders): number | undefined {
  const n = Number(responseHeader(headers, 'x-next-page') || NaN);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A repository path with each segment escaped, `/` kept. */
export const pathOf = (path: string) =>
  path
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');
