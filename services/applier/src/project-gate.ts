// The applier's project checks: the app itself (project, repositories,
// destination) and every object a sync or a deletion would write or delete,
// read from the apiserver each time so an edit made a moment ago counts.
import type { Application } from '@flotilla/api';
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';
import {
  checkObject,
  denialMessage,
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
) => Promise<ProjectDenial[]>;

/** What the gate reads: the project now, and the app's cluster as a project sees it. */
export interface ProjectGateDeps {
  readonly project: (name: string) => Promise<ProjectView | undefined>;
  readonly controlNamespace: string;
  readonly cluster: (app: Application) => Promise<{ server: string; name: string } | undefined>;
}

/** Builds the gate the applier checks each plan, step and deletion with. */
export function projectGate(deps: ProjectGateDeps): ProjectGate {
  return async (app, keys, isNamespaced) => {
    const project = await deps.project(projectNameOf(app));
    const cluster = await deps.cluster(app);
    const denials = evaluateAppProject(project, app, deps.controlNamespace, cluster);
    if (!project || denials.length > 0) return denials;
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

/** Builds the check of manual syncs against the project's sync windows (read fresh). */
export function windowCheck(deps: Pick<ProjectGateDeps, 'project'>): WindowCheck {
  return async (app) => {
    const project = await deps.project(projectNameOf(app));
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
