import {
  groupKindVerdict,
  isAppNamespacePermitted,
  isDestinationPermitted,
  isSourcePermitted,
} from './rules.js';
import {
  ProjectRule,
  type ProjectDenial,
  type ProjectDestination,
  type ProjectView,
} from './types.js';

/** An object a sync writes or deletes, as the resource rules see it. */
export interface ProjectObjectRef {
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

function describeDestination(dest: ProjectDestination): string {
  const cluster = dest.server ? `server '${dest.server}'` : `cluster '${dest.name ?? ''}'`;
  return `${cluster} and namespace '${dest.namespace ?? ''}'`;
}

function objectLabel(ref: ProjectObjectRef): string {
  const gk = ref.group ? `${ref.group}/${ref.kind}` : ref.kind;
  return ref.namespace ? `${gk} ${ref.namespace}/${ref.name}` : `${gk} ${ref.name}`;
}

/** Refuses a repository outside the project's sourceRepos. */
export function checkSourceRepo(project: ProjectView, repoURL: string): ProjectDenial | undefined {
  if (isSourcePermitted(project.spec, repoURL)) return undefined;
  return {
    project: project.name,
    rule: ProjectRule.SourceRepos,
    subject: repoURL,
    message: `repository ${repoURL} is not permitted in project '${project.name}' (sourceRepos)`,
  };
}

/** Refuses a destination outside the project's destinations. */
export function checkDestination(
  project: ProjectView,
  dest: ProjectDestination,
): ProjectDenial | undefined {
  if (isDestinationPermitted(project.spec, dest)) return undefined;
  const where = describeDestination(dest);
  return {
    project: project.name,
    rule: ProjectRule.Destinations,
    subject: where,
    message: `destination ${where} is not permitted in project '${project.name}' (destinations)`,
  };
}

/**
 * Refuses a cluster not scoped to the project when the project sets
 * permitOnlyProjectScopedClusters; `clusterProject` is the `project` key of the
 * destination's cluster Secret.
 */
export function checkProjectScopedCluster(
  project: ProjectView,
  dest: ProjectDestination,
  clusterProject: string | undefined,
): ProjectDenial | undefined {
  if (project.spec.permitOnlyProjectScopedClusters !== true) return undefined;
  if (clusterProject === project.name) return undefined;
  const where = describeDestination(dest);
  return {
    project: project.name,
    rule: ProjectRule.Destinations,
    subject: where,
    message: `destination ${where} is not permitted in project '${project.name}' (destinations, permitOnlyProjectScopedClusters): its cluster Secret does not set project: ${project.name}`,
  };
}

/**
 * Checks one object a sync would write or delete: its kind against the
 * resource lists, and the namespace it lives in against the destinations
 * (on the app's cluster). `namespaced` comes from discovery: a cluster-scoped
 * object needs a clusterResourceWhitelist entry whatever its manifest says.
 */
export function checkObject(
  project: ProjectView,
  ref: ProjectObjectRef,
  namespaced: boolean,
  cluster: ProjectDestination,
): ProjectDenial | undefined {
  const rule = groupKindVerdict(project.spec, ref, namespaced);
  const label = objectLabel(ref);
  if (rule) {
    const scope = namespaced ? 'namespaced' : 'cluster-scoped';
    const why = rule.endsWith('Blacklist') ? 'is listed in' : 'is not listed in';
    return {
      project: project.name,
      rule,
      subject: label,
      message: `${label}: ${scope} kind ${ref.group || '""'}/${ref.kind} ${why} ${rule} of project '${project.name}'`,
    };
  }
  // A Namespace object is cluster-scoped, but what it makes is a namespace: its
  // name must be one of the destinations too (Argo CD checks only its kind).
  const isNamespace = ref.group === '' && ref.kind === 'Namespace';
  if (!namespaced && !isNamespace) return undefined;
  const namespace = isNamespace ? ref.name : (ref.namespace ?? '');
  const dest = { server: cluster.server, name: cluster.name, namespace };
  if (isDestinationPermitted(project.spec, dest)) return undefined;
  return {
    project: project.name,
    rule: ProjectRule.Destinations,
    subject: label,
    message: `${label}: namespace '${dest.namespace}' is not permitted by the destinations of project '${project.name}'`,
  };
}

/** What of an Application the app-level rules read. */
export interface ProjectAppRef {
  readonly namespace?: string | undefined;
  readonly repoURLs: readonly string[];
  readonly destination: ProjectDestination;
}

/**
 * Every app-level refusal: the app's namespace (sourceNamespaces), each
 * source repository (sourceRepos) and the destination (destinations).
 * `signatureKeys` are refused as not supported yet, so a project that
 * requires signed commits never deploys unsigned ones.
 */
export function checkApplication(
  project: ProjectView,
  app: ProjectAppRef,
  controlNamespace: string,
): ProjectDenial[] {
  const denials: ProjectDenial[] = [];
  if (!isAppNamespacePermitted(project.spec, app.namespace, controlNamespace)) {
    denials.push(namespaceDenial(project, app.namespace));
  }
  if ((project.spec.signatureKeys ?? []).length > 0) {
    denials.push({
      project: project.name,
      rule: ProjectRule.SignatureKeys,
      subject: 'signatureKeys',
      message: `project '${project.name}' requires signed commits (signatureKeys), which Flotilla does not verify yet; nothing is synced`,
    });
  }
  for (const repo of new Set(app.repoURLs)) {
    const denial = checkSourceRepo(project, repo);
    if (denial) denials.push(denial);
  }
  const dest = checkDestination(project, app.destination);
  if (dest) denials.push(dest);
  return denials;
}

/** Refuses an Application outside the project's sourceNamespaces. */
export function namespaceDenial(
  project: ProjectView,
  namespace: string | undefined,
): ProjectDenial {
  return {
    project: project.name,
    rule: ProjectRule.SourceNamespaces,
    subject: namespace ?? '',
    message: `Applications in namespace '${namespace ?? ''}' may not use project '${project.name}' (sourceNamespaces)`,
  };
}

/** The message for an Application whose project does not exist. */
export function missingProjectDenial(name: string): ProjectDenial {
  return {
    project: name,
    rule: ProjectRule.Project,
    subject: name,
    message: `project '${name}' does not exist`,
  };
}
