import { getJson, type ScmCall, type ScmHttpOptions } from './http.js';
import {
  checkPage,
  hasLabels,
  labelNames,
  pageItems,
  str,
  withSlash,
  type PullRequest,
} from './types.js';

/** Azure DevOps Services' URL when `api` is unset. */
export const AZURE_DEVOPS_API = 'https://dev.azure.com';
/** The REST API version asked for. */
export const AZURE_DEVOPS_API_VERSION = '7.1';
const PAGE = 100;

/** Where an Azure DevOps repository is and who reads it. */
export interface AzureDevOpsTarget {
  readonly organization: string;
  readonly project: string;
  readonly repo: string;
  /** The server (https://dev.azure.com, or an Azure DevOps Server collection's host). */
  readonly api: string;
  /** Only pull requests carrying every one of these labels (tags). */
  readonly labels?: readonly string[];
  /** A personal access token; anonymous when empty. */
  readonly token?: string;
}

/** The call every request to Azure DevOps makes: a PAT goes as Basic with no user. */
export function azureDevOpsCall(token: string | undefined, http: ScmHttpOptions): ScmCall {
  const basic = token ? Buffer.from(`:${token}`).toString('base64') : '';
  return {
    ...http,
    provider: 'Azure DevOps',
    headers: basic ? { authorization: `Basic ${basic}` } : {},
    secrets: token ? [token, basic] : [],
  };
}

/** The base of an organisation's (collection's) REST API. */
export function azureDevOpsBase(api: string, organization: string): URL {
  return new URL(`${encodeURIComponent(organization)}/`, withSlash(api || AZURE_DEVOPS_API));
}

/**
 * Reads every page of an Azure DevOps list (`{value, count}`) with `$top`
 * and `$skip`, until a page comes back empty (a server may give fewer than
 * `$top` before the end).
 */
export async function azureDevOpsPages(
  first: URL,
  call: ScmCall,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let page = 1; ; page++) {
    const url = new URL(first);
    url.searchParams.set('$top', String(PAGE));
    url.searchParams.set('$skip', String(out.length));
    checkPage(page, call, url);
    const { body } = await getJson(url, call);
    const items = pageItems(body, 'value', url, call);
    if (items.length === 0) return out;
    out.push(...items);
  }
}

/**
 * The active pull requests of an Azure DevOps repository: those of its
 * project (`GET {org}/{project}/_apis/git/pullrequests`), every page, kept
 * when they belong to the repository (by name) and carry every label asked
 * for. As Argo CD: the branch without `refs/heads/`, the head is the last
 * merge source commit, the author the part of the creator's unique name
 * before `@`; a pull request missing one of those is left out.
 */
export async function listAzureDevOpsPulls(
  t: AzureDevOpsTarget,
  http: ScmHttpOptions,
): Promise<PullRequest[]> {
  const url = new URL(
    `${encodeURIComponent(t.project)}/_apis/git/pullrequests`,
    azureDevOpsBase(t.api, t.organization),
  );
  url.searchParams.set('searchCriteria.status', 'active');
  url.searchParams.set('api-version', AZURE_DEVOPS_API_VERSION);
  const out: PullRequest[] = [];
  for (const p of await azureDevOpsPages(url, azureDevOpsCall(t.token, http))) {
    const id = p['pullRequestId'];
    const [source, target, head] = [
      str(p, 'sourceRefName'),
      str(p, 'targetRefName'),
      str(p, 'lastMergeSourceCommit', 'commitId'),
    ];
    if (typeof id !== 'number' || !source || !target || !head) continue;
    if (str(p, 'repository', 'name') !== t.repo) continue;
    const labels = labelNames(p['labels']);
    if (!hasLabels(t.labels ?? [], labels)) continue;
    out.push({
      number: id,
      title: str(p, 'title'),
      branch: source.replace('refs/heads/', ''),
      targetBranch: target.replace('refs/heads/', ''),
      headSha: head,
      labels,
      author: str(p, 'createdBy', 'uniqueName').split('@')[0] ?? '',
    });
  }
  return out;
}
