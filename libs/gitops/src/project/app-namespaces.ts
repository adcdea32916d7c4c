// Which namespaces' Applications Flotilla serves ("apps in any namespace", as
// Argo CD's `application.namespaces`): the control namespace always, others
// only when an operator lists them. An app outside them is not Flotilla's:
// it is neither compared nor synced, and nothing is written to it.
import { matchInList } from './glob.js';

/** The control namespace and the patterns of the other namespaces served. */
export interface AppNamespaceScope {
  /** The control namespace: its Applications are always served. */
  readonly namespace: string;
  /** Globs, or regular expressions between `/`, naming other namespaces served. */
  readonly applicationNamespaces: readonly string[];
}

/**
 * True when Applications in `namespace` are served: the control namespace,
 * or one matching an entry of `applicationNamespaces` (Argo CD's
 * `IsNamespaceEnabled`: a glob, or a regular expression between slashes).
 */
export function isAppNamespaceEnabled(scope: AppNamespaceScope, namespace: string): boolean {
  return namespace === scope.namespace || matchInList(scope.applicationNamespaces, namespace);
}

/** True when Applications outside the control namespace may be served, so a cluster-wide watch is needed. */
export function servesOtherNamespaces(scope: AppNamespaceScope): boolean {
  return scope.applicationNamespaces.length > 0;
}

/**
 * A memoised {@link isAppNamespaceEnabled} for hot paths (every watch event):
 * the answer for a namespace never changes while the process runs.
 */
export function appNamespaceFilter(scope: AppNamespaceScope): (namespace: string) => boolean {
  const seen = new Map<string, boolean>();
  return (namespace) => {
    let enabled = seen.get(namespace);
    if (enabled === undefined) {
      enabled = isAppNamespaceEnabled(scope, namespace);
      // Namespaces come and go; a bound keeps a churning cluster from growing this.
      if (seen.size >= 10_000) seen.clear();
      seen.set(namespace, enabled);
    }
    return enabled;
  };
}
