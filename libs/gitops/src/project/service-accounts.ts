// destinationServiceAccounts: the identity a sync writes with on a destination,
// as Argo CD picks it. Entries are read in order; the first whose server and
// namespace globs both match the app's destination names the ServiceAccount,
// `name` (in the destination namespace) or `namespace:name`.
import { projectGlobMatch } from './glob.js';
import { ProjectRule, type ProjectDenial, type ProjectView } from './types.js';

/** The username Kubernetes gives a ServiceAccount. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Where an app deploys, as destinationServiceAccounts match it: the resolved server URL. */
export interface ServiceAccountDestination {
  readonly server: string;
  readonly namespace: string;
}

/**
 * The user a sync to `destination` impersonates (asked only while sync
 * impersonation is on): `{ user }` from the first matching entry, or a denial
 * naming the destination when no entry matches, the project listing none
 * included, as in Argo CD: with impersonation on, no sync falls back to
 * Flotilla's own rights.
 */
export function destinationServiceAccount(
  project: ProjectView,
  destination: ServiceAccountDestination,
): { readonly user?: string; readonly denial?: ProjectDenial } {
  const entries = project.spec.destinationServiceAccounts ?? [];
  for (const e of entries) {
    if (!projectGlobMatch(e.server, destination.server)) continue;
    if (!projectGlobMatch(e.namespace ?? '', destination.namespace)) continue;
    const sa = e.defaultServiceAccount.trim();
    const sep = sa.indexOf(':');
    const ns = sep >= 0 ? sa.slice(0, sep) : destination.namespace;
    const name = sep >= 0 ? sa.slice(sep + 1) : sa;
    if (!ns || !name) break;
    return { user: serviceAccountUser(ns, name) };
  }
  const subject = `${destination.server} ${destination.namespace}`;
  return {
    denial: {
      project: project.name,
      rule: ProjectRule.DestinationServiceAccounts,
      subject,
      message:
        entries.length === 0
          ? `project '${project.name}' lists no destinationServiceAccounts: with sync impersonation on, a sync to destination server '${destination.server}' and namespace '${destination.namespace}' needs one`
          : `no service account of project '${project.name}' (destinationServiceAccounts) matches destination server '${destination.server}' and namespace '${destination.namespace}'`,
    },
  };
}
