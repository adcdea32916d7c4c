// AppProject rules: which repositories, destinations, kinds and app
// namespaces a project allows, with Argo CD's semantics. Pure functions over
// the project's spec; the services decide where each check runs.
export { projectGlobMatch, isDenyPattern, matchInList, negatableMatch } from './glob.js';
export { normalizeRepoURL } from './repo-url.js';
export {
  appNamespaceFilter,
  isAppNamespaceEnabled,
  servesOtherNamespaces,
  type AppNamespaceScope,
} from './app-namespaces.js';
export {
  groupKindVerdict,
  isAppNamespacePermitted,
  isDestinationPermitted,
  isGroupKindPermitted,
  isSourcePermitted,
  type GroupKindRef,
  type GroupKindVerdict,
} from './rules.js';
export {
  checkApplication,
  checkDestination,
  checkObject,
  checkProjectScopedCluster,
  checkSourceRepo,
  missingProjectDenial,
  namespaceDenial,
  type ProjectAppRef,
  type ProjectObjectRef,
} from './check.js';
export { defaultProjectSpec, projectNameOf } from './default-project.js';
export {
  ORPHANED_RESOURCE_CONDITION,
  orphanedResourceCondition,
  orphanedResources,
  type OrphanRef,
} from './orphans.js';
export {
  destinationServiceAccount,
  serviceAccountUser,
  type ServiceAccountDestination,
} from './service-accounts.js';
export {
  ProjectRule,
  type ProjectDenial,
  type ProjectDestination,
  type ProjectSpec,
  type ProjectView,
} from './types.js';
export {
  appRepoURLs,
  deniedEventData,
  denialMessage,
  evaluateAppProject,
  sourceDenials,
  type DenialStage,
} from './app.js';
export {
  nextOpening,
  openPeriod,
  SYNC_WINDOW_CONDITION,
  syncWindowVerdict,
  windowMatches,
  windowedAutoSync,
  type WindowApp,
  type WindowVerdict,
} from './windows.js';
