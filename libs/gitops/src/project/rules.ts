import { projectGlobMatch, isDenyPattern, matchInList, negatableMatch } from './glob.js';
import { normalizeRepoURL } from './repo-url.js';
import type { ProjectDestination, ProjectSpec } from './types.js';

/** An API group and kind, the way the resource lists name them. */
export interface GroupKindRef {
  readonly group: string;
  readonly kind: string;
}

/**
 * True when the repository may be deployed from. As in Argo CD: some allowing
 * entry must match, and an object that a `!` entry names is refused whatever
 * else matches. `*` stops at `/` in these globs; `**` crosses it.
 */
export function isSourcePermitted(spec: ProjectSpec, repoURL: string): boolean {
  const source = normalizeRepoURL(repoURL);
  let allowed = false;
  for (const entry of spec.sourceRepos ?? []) {
    const deny = isDenyPattern(entry);
    const pattern = deny ? `!${normalizeRepoURL(entry.slice(1))}` : normalizeRepoURL(entry);
    const matched = negatableMatch(pattern, source, true);
    if (matched && !deny) allowed = true;
    else if (!matched && deny) return false;
  }
  return allowed;
}

/**
 * True when the destination is one of the project's. An entry matches when its
 * server (or its name) and its namespace match; any `!` entry the destination
 * falls into refuses it, as in Argo CD.
 */
export function isDestinationPermitted(spec: ProjectSpec, dest: ProjectDestination): boolean {
  let allowed = false;
  const namespace = dest.namespace ?? '';
  for (const item of spec.destinations ?? []) {
    const nameMatched = !!dest.name && negatableMatch(item.name ?? '', dest.name);
    const serverMatched = !!dest.server && negatableMatch(item.server ?? '', dest.server);
    const namespaceMatched = negatableMatch(item.namespace ?? '', namespace);
    if ((serverMatched || nameMatched) && namespaceMatched) {
      allowed = true;
    } else if (
      (!nameMatched && isDenyPattern(item.name)) ||
      (!serverMatched && isDenyPattern(item.server)) ||
      (!namespaceMatched && isDenyPattern(item.namespace))
    ) {
      return false;
    }
  }
  return allowed;
}

function inList(res: GroupKindRef, list: readonly GroupKindRef[]): boolean {
  return list.some(
    (item) => projectGlobMatch(item.kind, res.kind) && projectGlobMatch(item.group, res.group),
  );
}

/** Which list refused a kind, or undefined when the kind is allowed. */
export type GroupKindVerdict =
  | 'clusterResourceWhitelist'
  | 'clusterResourceBlacklist'
  | 'namespaceResourceWhitelist'
  | 'namespaceResourceBlacklist'
  | undefined;

/**
 * Checks a kind against the project's resource lists, as Argo CD does: an
 * unset namespaced whitelist allows every namespaced kind (an empty one allows
 * none), while cluster-scoped kinds need a whitelist entry. A blacklist entry
 * refuses whatever the whitelist allows.
 */
export function groupKindVerdict(
  spec: ProjectSpec,
  res: GroupKindRef,
  namespaced: boolean,
): GroupKindVerdict {
  if (namespaced) {
    const white = spec.namespaceResourceWhitelist;
    if (white !== undefined && !inList(res, white)) return 'namespaceResourceWhitelist';
    if (inList(res, spec.namespaceResourceBlacklist ?? [])) return 'namespaceResourceBlacklist';
    return undefined;
  }
  if (!inList(res, spec.clusterResourceWhitelist ?? [])) return 'clusterResourceWhitelist';
  if (inList(res, spec.clusterResourceBlacklist ?? [])) return 'clusterResourceBlacklist';
  return undefined;
}

/** True when the project's lists allow the kind. */
export function isGroupKindPermitted(
  spec: ProjectSpec,
  res: GroupKindRef,
  namespaced: boolean,
): boolean {
  return groupKindVerdict(spec, res, namespaced) === undefined;
}

/**
 * True when an Application in `appNamespace` may use the project. Apps in the
 * control namespace always may; others need a `sourceNamespaces` entry (a
 * glob, or a regular expression between slashes).
 */
export function isAppNamespacePermitted(
  spec: ProjectSpec,
  appNamespace: string | undefined,
  controlNamespace: string,
): boolean {
  if (!appNamespace || appNamespace === controlNamespace) return true;
  return matchInList(spec.sourceNamespaces ?? [], appNamespace);
}
