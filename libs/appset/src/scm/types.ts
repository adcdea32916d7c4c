import type { IncomingHttpHeaders } from 'node:http';
import parseLinkHeader from 'parse-link-header';
import { ScmError, ScmErrorKind } from '../errors.js';
import { responseHeader, shownUrl, type ScmCall } from './http.js';

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
