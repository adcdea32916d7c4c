import type { Application } from '@flotilla/api';
import {
  checkApplication,
  checkProjectScopedCluster,
  checkSourceRepo,
  missingProjectDenial,
  namespaceDenial,
} from './check.js';
import { isAppNamespacePermitted } from './rules.js';
import { projectNameOf } from './default-project.js';
import {
  ProjectRule,
  type ProjectDenial,
  type ProjectDestination,
  type ProjectView,
} from './types.js';

/** The repositories an Application deploys from (`source` and every `sources[]` entry). */
export function appRepoURLs(app: Application): string[] {
  const spec = app.spec;
  const sources = spec?.sources?.length ? spec.sources : spec?.source ? [spec.source] : [];
  return sources.map((s) => s.repoURL);
}

/**
 * Every refusal the app's project gives the app itself: a missing project,
 * its namespace, its repositories and its destination. `cluster` is the
 * destination cluster once resolved (name and server both known), so an
 * entry naming either matches, as in Argo CD.
 */
export function evaluateAppProject(
  project: ProjectView | undefined,
  app: Application,
  controlNamespace: string,
  cluster?: {
    server?: string | undefined;
    name?: string | undefined;
    /** The project its cluster Secret scopes it to (`project` key). */
    project?: string | undefined;
  },
): ProjectDenial[] {
  if (!project) return [missingProjectDenial(projectNameOf(app))];
  const d = app.spec?.destination;
  const destination: ProjectDestination = {
    server: cluster?.server ?? d?.server,
    name: cluster?.name ?? d?.name,
    namespace: d?.namespace ?? '',
  };
  const denials = checkApplication(
    project,
    { namespace: app.metadata?.namespace, repoURLs: appRepoURLs(app), destination },
    controlNamespace,
  );
  // permitOnlyProjectScopedClusters: a permitted destination must also be a cluster
  // whose Secret names this project (the in-cluster one, having no Secret, never is).
  const scoped = checkProjectScopedCluster(project, destination, cluster?.project);
  if (scoped && !denials.some((d) => d.rule === ProjectRule.Destinations)) denials.push(scoped);
  return denials;
}

/** One message for several refusals, each naming its rule. */
export function denialMessage(denials: readonly ProjectDenial[]): string {
  return denials.map((d) => d.message).join('; ');
}

/**
 * The refusals that stop any Git or Helm work for the app: a missing project,
 * its namespace, or a repository outside sourceRepos. `repoURLs` overrides the
 * app's own sources (an operation's sources, such as a rollback's).
 */
export function sourceDenials(
  project: ProjectView | undefined,
  app: Application,
  controlNamespace: string,
  repoURLs: readonly string[] = appRepoURLs(app),
): ProjectDenial[] {
  if (!project) return [missingProjectDenial(projectNameOf(app))];
  const denials: ProjectDenial[] = [];
  if (!isAppNamespacePermitted(project.spec, app.metadata?.namespace, controlNamespace)) {
    denials.push(namespaceDenial(project, app.metadata?.namespace));
  }
  for (const repo of new Set(repoURLs)) {
    const denial = checkSourceRepo(project, repo);
    if (denial) denials.push(denial);
  }
  return denials;
}

/** Where a refusal happened, for the `project.denied` event. */
export type DenialStage = 'render' | 'compare' | 'sync' | 'delete';

/** The data of a `project.denied` event for one refusal. */
export function deniedEventData(d: ProjectDenial, stage: DenialStage, operationId?: string) {
  return {
    project: d.project,
    rule: d.rule,
    subject: d.subject,
    message: d.message,
    stage,
    ...(operationId ? { operationId } : {}),
  };
}
