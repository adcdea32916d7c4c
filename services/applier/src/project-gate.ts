// The applier's project checks: the app itself (project, repositories,
// destination) and every object a sync or a deletion would write or delete.
// Planning (of an operation or a deletion) reads the project from the apiserver,
// so an edit made a moment ago counts; the checks before each step of a running
// operation read the watched copy, which is never older than that read.
import type { Application } from '@flotilla/api';
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';
import { impersonating, type KubeConfig } from '@flotilla/kube';
import {
  checkObject,
  denialMessage,
  destinationServiceAccount,
  evaluateAppProject,
  projectNameOf,
  syncWindowVerdict,
  type ProjectDenial,
  type ProjectView,
  type WindowVerdict,
} from '@flotilla/gitops';

/** Refusals of the app's project, for the app and the objects given. */
export type ProjectGate = (
  app: Application,
  keys: readonly ResourceKey[],
  isNamespaced: (group: string, kind: string) => boolean | undefined,
  /** `fresh`: read the project from the apiserver (planning); else the watched copy. */
  read?: ProjectRead,
) => Promise<ProjectDenial[]>;

/** How the gate reads the project. */
export interface ProjectRead {
  readonly fresh?: boolean;
}

/** What the gate reads: the project (fresh or watched), and the app's cluster as a project sees it. */
export interface ProjectGateDeps {
  readonly project: (name: string, read: ProjectRead) => Promise<ProjectView | undefined>;
  readonly controlNamespace: string;
  readonly cluster: (
    app: Application,
  ) => Promise<{ server: string; name: string; project?: string | undefined } | undefined>;
  /** Sync impersonation is on: a project listing destinationServiceAccounts must match the destination. */
  readonly impersonation?: boolean;
}

/** The destination the project's destinationServiceAccounts are matched against. */
const saDestination = (app: Application, server: string) => ({
  server,
  namespace: app.spec?.destination?.namespace ?? '',
});

/** Builds the gate the applier checks each plan, step and deletion with. */
export function projectGate(deps: ProjectGateDeps): ProjectGate {
  return async (app, keys, isNamespaced, read = {}) => {
    const project = await deps.project(projectNameOf(app), read);
    const cluster = await deps.cluster(app);
    const denials = evaluateAppProject(project, app, deps.controlNamespace, cluster);
    if (!project || denials.length > 0) return denials;
    if (deps.impersonation && cluster) {
      const { denial } = destinationServiceAccount(project, saDestination(app, cluster.server));
      if (denial) return [denial];
    }
    const seen = new Set<string>();
    for (const key of keys) {
      const id = resourceKeyString(key);
      if (seen.has(id)) continue;
      seen.add(id);
      // A kind discovery does not know yet (its CRD comes in this sync) is
      // judged by its manifest: with a namespace it is namespaced.
      const namespaced = isNamespaced(key.group, key.kind) ?? key.namespace !== '';
      const denial = checkObject(project, key, namespaced, cluster ?? {});
      if (denial) denials.push(denial);
    }
    return denials;
  };
}

/** A sync or deletion the app's project refuses. */
export class ProjectDeniedError extends Error {
  override readonly name = 'ProjectDeniedError';
  constructor(readonly denials: readonly ProjectDenial[]) {
    super(`refused by project '${denials[0]?.project ?? ''}': ${denialMessage(denials)}`);
  }
}

/** True when `err` is a {@link ProjectDeniedError}. */
export const isProjectDeniedError = (err: unknown): err is ProjectDeniedError =>
  err instanceof ProjectDeniedError;

/** The sync windows' verdict on a manual sync of the app now. */
export type WindowCheck = (app: Application) => Promise<WindowVerdict>;

/** Builds the check of manual syncs against the project's sync windows (after the plan's fresh read). */
export function windowCheck(deps: Pick<ProjectGateDeps, 'project'>): WindowCheck {
  return async (app) => {
    const project = await deps.project(projectNameOf(app), {});
    const d = app.spec?.destination;
    return syncWindowVerdict(
      project?.spec.syncWindows,
      {
        name: app.metadata?.name ?? '',
        destination: { server: d?.server, name: d?.name, namespace: d?.namespace },
      },
      { manual: true, now: new Date() },
    );
  };
}

/** A manual sync a sync window refuses. */
export class WindowBlockedError extends Error {
  override readonly name = 'WindowBlockedError';
  constructor(readonly verdict: WindowVerdict) {
    super(`sync refused: ${verdict.message}`);
  }
}

/** Who writes an app's resources on its destination: the credentials, and the impersonated user if any. */
export interface SyncIdentity {
  readonly kc: KubeConfig;
  readonly user?: string;
}

/**
 * Picks the identity an operation writes with: with impersonation on and a
 * project that lists destinationServiceAccounts, the matching ServiceAccount;
 * otherwise Flotilla's own. No match keeps Flotilla's own: the gate refuses
 * that operation before anything is written. Reads (the watch cache) always
 * keep Flotilla's own identity.
 */
export function syncIdentity(deps: {
  readonly enabled: boolean;
  readonly project: (name: string) => ProjectView | undefined;
}): (app: Application | undefined, cluster: { kc: KubeConfig; server: string }) => SyncIdentity {
  return (app, cluster) => {
    const project = app && deps.enabled ? deps.project(projectNameOf(app)) : undefined;
    if (!app || !project) return { kc: cluster.kc };
    const { user } = destinationServiceAccount(project, saDestination(app, cluster.server));
    return user ? { kc: impersonating(cluster.kc, user), user } : { kc: cluster.kc };
  };
}
